package org.cvmfsstargz.stargz.registry;

import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Blob routes for {@link TestRegistry} that answer {@code Range} the ways real servers do: one
 * range (a suffix {@code -n} too) as a 206 with {@code Content-Range} (or 416 past the end), several as chosen by a
 * {@link Mode}. No {@code Range} gets the whole blob.
 */
final class RangeRoutes {
    static final String BOUNDARY = "3d6b6a416f9b5";

    /** How several ranges in one request are answered. */
    enum Mode {
        /** {@code multipart/byteranges}, one part per range, in order (Distribution, nginx). */
        MULTIPART,
        /** {@code multipart/byteranges} with the first two ranges merged into one part, parts reversed. */
        MULTIPART_MERGED_REVERSED,
        /** One 206 whose {@code Content-Range} spans all ranges, gaps included. */
        COALESCED,
        /** 200 with the whole blob: {@code Range} ignored altogether, even for one range (ECR). */
        WHOLE,
        /** 400 to several ranges, 206 to one (GCS). */
        REFUSE_MULTI
    }

    private RangeRoutes() {}

    static TestRegistry.Route blob(byte[] blob, Mode mode) {
        return ex -> answer(ex, blob, mode);
    }

    private static void answer(HttpExchange ex, byte[] blob, Mode mode) throws IOException {
        Optional<String> header = Optional.ofNullable(ex.getRequestHeaders().getFirst("Range"));
        if (header.isEmpty() || mode == Mode.WHOLE) {
            respond(ex, 200, Map.of("Content-Type", "application/octet-stream"), blob);
            return;
        }
        List<long[]> specs = satisfiable(header.get(), blob.length);
        if (specs.isEmpty()) {
            respond(ex, 416, Map.of("Content-Range", "bytes */" + blob.length), new byte[0]);
        } else if (specs.size() == 1) {
            single(ex, blob, specs.getFirst()[0], specs.getFirst()[1]);
        } else {
            switch (mode) {
                case REFUSE_MULTI -> respond(ex, 400, Map.of(), utf8("multiple ranges are not supported"));
                case COALESCED -> single(ex, blob, specs.getFirst()[0], specs.getLast()[1]);
                case MULTIPART -> multipart(ex, blob, specs);
                case MULTIPART_MERGED_REVERSED -> {
                    List<long[]> parts = new ArrayList<>(specs.subList(1, specs.size()));
                    parts.set(0, new long[] {specs.get(0)[0], specs.get(1)[1]});
                    multipart(ex, blob, parts.reversed());
                }
                default -> throw new IllegalStateException(mode.toString());
            }
        }
    }

    /**
     * {@code bytes=a-b,c-d} as inclusive {@code [first, last]} pairs, clipped to the blob,
     * unsatisfiable dropped; a suffix {@code -n} is the last n bytes, or the whole blob if shorter.
     */
    private static List<long[]> satisfiable(String header, long size) {
        List<long[]> specs = new ArrayList<>();
        for (String spec : header.substring("bytes=".length()).split(",")) {
            if (spec.trim().startsWith("-")) {
                long suffix = Long.parseLong(spec.trim().substring(1));
                if (suffix > 0 && size > 0) {
                    specs.add(new long[] {Math.max(0, size - suffix), size - 1});
                }
                continue;
            }
            String[] ends = spec.trim().split("-");
            long first = Long.parseLong(ends[0]);
            if (first < size) {
                specs.add(new long[] {first, Math.min(Long.parseLong(ends[1]), size - 1)});
            }
        }
        return specs;
    }

    private static void single(HttpExchange ex, byte[] blob, long first, long last) throws IOException {
        respond(ex, 206, Map.of("Content-Type", "application/octet-stream", "Content-Range",
                "bytes " + first + "-" + last + "/" + blob.length), slice(blob, first, last));
    }

    private static void multipart(HttpExchange ex, byte[] blob, List<long[]> parts) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (long[] part : parts) {
            body.writeBytes(utf8("--" + BOUNDARY + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes "
                    + part[0] + "-" + part[1] + "/" + blob.length + "\r\n\r\n"));
            body.writeBytes(slice(blob, part[0], part[1]));
            body.writeBytes(utf8("\r\n"));
        }
        body.writeBytes(utf8("--" + BOUNDARY + "--\r\n"));
        respond(ex, 206, Map.of("Content-Type", "multipart/byteranges; boundary=" + BOUNDARY), body.toByteArray());
    }

    private static byte[] slice(byte[] blob, long first, long last) {
        return Arrays.copyOfRange(blob, (int) first, (int) last + 1);
    }
}
