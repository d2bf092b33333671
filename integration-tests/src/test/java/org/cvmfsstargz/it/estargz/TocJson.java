package org.cvmfsstargz.it.estargz;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * The TOC JSON of a TOC section, read without our reader, for failure messages: when our reader
 * refuses what ctr-remote wrote, the report shows the JSON it refused. Stateless.
 */
final class TocJson {
    private static final int TAR_HEADER = 512;
    private static final int AROUND = 800;

    private TocJson() {}

    /** The JSON object of {@code entry} (or the start of the TOC if none or not found), or why there is none. */
    static String snippet(byte[] section, Optional<String> entry) {
        String json;
        try {
            json = json(section);
        } catch (IOException | RuntimeException e) {
            return "(TOC JSON unreadable: " + e + ")";
        }
        int at = entry.map(name -> json.indexOf("\"" + name + "\"")).orElse(-1);
        if (at < 0) {
            return "TOC JSON (start):\n" + json.substring(0, Math.min(json.length(), 2 * AROUND));
        }
        int from = Math.max(0, json.lastIndexOf('{', at));
        int to = json.indexOf('}', at);
        return "TOC JSON around " + entry.get() + ":\n"
                + json.substring(Math.max(0, from - AROUND / 4),
                        Math.min(json.length(), (to < 0 ? at : to) + AROUND / 4));
    }

    /** The first tar entry's data: {@code stargz.index.json}, whose size is the header's octal field. */
    private static String json(byte[] section) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(section))) {
            byte[] header = in.readNBytes(TAR_HEADER);
            String octal = new String(header, 124, 12, StandardCharsets.US_ASCII).replace("\0", "").trim();
            long size = Long.parseLong(octal, 8);
            return new String(in.readNBytes(Math.toIntExact(size)), StandardCharsets.UTF_8);
        }
    }
}
