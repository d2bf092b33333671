package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The index must stay compact: hundreds of thousands of entries in tens of MB. Builds the index
 * of a synthetic 300,000-entry TOC shaped like a large image layer (deep paths, 8% directories,
 * 8% symlinks, the rest single-chunk files, a few chunked ones) and measures the heap it retains
 * as the difference in used heap after full collections, with the TOC section alive both times.
 * {@link #main} prints the figures, with the parse's time and allocation (argument: entries).
 */
class TocMemoryTest {
    static final int ENTRIES = 300_000;
    private static final long MIB = 1 << 20;

    /** A TOC section and the offset of the TOC it belongs to. */
    record Synthetic(byte[] section, long tocOffset, int jsonBytes) {
        Toc read() throws CorruptLayerException {
            Footer footer = new Footer(Footer.Format.ESTARGZ, tocOffset);
            return new TocReader(TocLimits.defaults()).read(section, footer, tocOffset + section.length + 51,
                    Optional.empty());
        }
    }

    @Test
    void threeHundredThousandEntriesFitInTensOfMegabytes() throws Exception {
        Synthetic synthetic = synthetic(ENTRIES);
        long before = usedHeapAfterGc();
        Toc toc = synthetic.read();
        long retained = usedHeapAfterGc() - before;

        assertThat(toc.nameCount()).isGreaterThanOrEqualTo(ENTRIES * 95 / 100);
        assertThat(toc.lookup("usr/lib/pkg0123/sub4/module_353.py")).isPresent();
        assertThat(retained).as("retained heap: %d MiB", retained / MIB).isLessThan(80 * MIB);
        assertThat(toc.retainedBytes()).as("the index's own estimate of its heap, measured %d", retained)
                .isBetween(80L * ENTRIES, 200L * ENTRIES);
    }

    public static void main(String[] args) throws Exception {
        int entries = args.length > 0 ? Integer.parseInt(args[0]) : ENTRIES;
        Synthetic synthetic = synthetic(entries);
        for (int i = 0; i < 5; i++) {
            synthetic.read(); // warm-up: the timing below is of JIT-compiled code
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
                ManagementFactory.getThreadMXBean();
        long before = usedHeapAfterGc();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        Toc toc = synthetic.read();
        long millis = (System.nanoTime() - start) / 1_000_000;
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        long retained = usedHeapAfterGc() - before;
        System.out.printf("%d TOC entries (%d names, %d chunks), JSON %.1f MiB, section %.1f MiB: parsed in %d ms,"
                + " allocating %.1f MiB (%.0f bytes per entry); index retains %.1f MiB (%.0f bytes per entry),"
                + " estimates %.1f MiB%n", entries, toc.nameCount(), toc.chunkCount(),
                synthetic.jsonBytes() / (double) MIB, synthetic.section().length / (double) MIB, millis,
                allocated / (double) MIB, allocated / (double) entries, retained / (double) MIB,
                retained / (double) entries, toc.retainedBytes() / (double) MIB);
    }

    static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** {@code entries} TOC entries, compact JSON, gzipped in a tar: a section {@link TocReader} accepts. */
    static Synthetic synthetic(int entries) {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        long offset = 100;
        Random random = new Random(1);
        byte[] digest = new byte[32];
        try (Writer out = new OutputStreamWriter(json, StandardCharsets.UTF_8)) {
            out.write("{\"version\":1,\"entries\":[");
            int written = 0;
            for (int pkg = 0; written < entries; pkg++) {
                String dir = "usr/lib/pkg" + String.format("%04d", pkg) + "/sub" + pkg % 7 + "/";
                written += write(out, written, "{\"name\":\"" + dir + "\",\"type\":\"dir\",\"mode\":493,"
                        + "\"modtime\":\"2024-05-06T07:08:09Z\"}");
                for (int file = 0; file < 11 && written < entries; file++) {
                    String name = dir + "module_" + (pkg * 11 + file) % 1000 + ".py";
                    if (file == 10) {
                        written += write(out, written, "{\"name\":\"" + name + "\",\"type\":\"symlink\","
                                + "\"linkName\":\"../../shared/lib.so.1\",\"mode\":511}");
                        continue;
                    }
                    int chunks = written % 100 == 1 ? 4 : 1;
                    int size = 1000 + random.nextInt(20_000);
                    StringBuilder entry = new StringBuilder("{\"name\":\"" + name + "\",\"type\":\"reg\",\"size\":"
                            + size * chunks + ",\"modtime\":\"2024-05-06T07:08:09Z\",\"mode\":420,\"uid\":1000,"
                            + "\"gid\":1000,\"userName\":\"app\",\"groupName\":\"app\",\"offset\":" + offset);
                    for (int c = 0; c < chunks; c++) {
                        random.nextBytes(digest);
                        if (c > 0) {
                            entry.append("},{\"name\":\"").append(name).append("\",\"type\":\"chunk\",\"offset\":")
                                    .append(offset).append(",\"chunkOffset\":").append((long) c * size);
                        }
                        if (c < chunks - 1) {
                            entry.append(",\"chunkSize\":").append(size);
                        }
                        entry.append(",\"chunkDigest\":\"sha256:").append(HexFormat.of().formatHex(digest)).append('"');
                        offset += 200 + random.nextInt(size / 10);
                    }
                    written += write(out, written, entry.append('}').toString()) + chunks - 1;
                }
            }
            out.write("]}");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Synthetic(TarGzWriter.tocSection(json.toByteArray()), offset + 1000, json.size());
    }

    private static int write(Writer out, int written, String entry) throws IOException {
        if (written > 0) {
            out.write(',');
        }
        out.write(entry);
        return 1;
    }
}
