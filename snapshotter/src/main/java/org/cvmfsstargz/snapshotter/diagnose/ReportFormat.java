package org.cvmfsstargz.snapshotter.diagnose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;

/**
 * Prints an {@link ImageReport}: as text, one {@code key: value} line per fact under each layer,
 * or as one JSON document for scripts (keys in snake case, absent facts left out). Pure.
 */
public final class ReportFormat {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFormat() {}

    public static String text(ImageReport report) {
        StringBuilder out = new StringBuilder();
        out.append("image ").append(report.reference()).append('\n');
        out.append("manifest ").append(report.manifestDigest()).append('\n');
        for (LayerReport layer : report.layers()) {
            out.append("layer ").append(layer.digest()).append('\n');
            line(out, "size", layer.size() + " bytes");
            line(out, "media type", layer.mediaType());
            line(out, "source", layer.source());
            line(out, "reason", layer.reason());
            if (!layer.source().equals(LayerReport.PULL)) {
                line(out, "why", layer.detail());
            }
            for (LayerSourceChain.Declined declined : layer.declines()) {
                line(out, "declined by " + declined.source(), LayerInspector.code(declined.notMine().code()) + ": "
                        + declined.notMine().reason());
            }
            layer.layerDir().ifPresent(dir -> line(out, "layer dir", dir.toString()));
            layer.toc().ifPresent(toc -> toc(out, toc));
        }
        return out.toString();
    }

    private static void toc(StringBuilder out, TocSummary toc) {
        line(out, "entries", String.format(Locale.ROOT, "files=%d dirs=%d symlinks=%d hardlinks=%d others=%d",
                toc.files(), toc.dirs(), toc.symlinks(), toc.hardLinks(), toc.others()));
        line(out, "chunks", Long.toString(toc.chunks()));
        line(out, "uncompressed", toc.uncompressedBytes() + " bytes");
        line(out, "toc", String.format(Locale.ROOT, "compressed=%d bytes uncompressed=%d bytes",
                toc.tocCompressedBytes(), toc.tocJsonBytes()));
        line(out, "prefetch", toc.landmark() + (toc.prioritizedBytes().isPresent()
                ? " prioritized=" + toc.prioritizedBytes().getAsLong() + " bytes" : ""));
    }

    private static void line(StringBuilder out, String key, String value) {
        out.append("  ").append(key).append(": ").append(value).append('\n');
    }

    public static String json(ImageReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("reference", report.reference());
        root.put("manifest", report.manifestDigest().value());
        ArrayNode layers = root.putArray("layers");
        for (LayerReport layer : report.layers()) {
            ObjectNode node = layers.addObject();
            node.put("digest", layer.digest().value());
            node.put("size", layer.size());
            node.put("media_type", layer.mediaType());
            node.put("source", layer.source());
            node.put("reason", layer.reason());
            node.put("detail", layer.detail());
            ArrayNode declined = node.putArray("declined");
            for (LayerSourceChain.Declined d : layer.declines()) {
                declined.addObject().put("source", d.source()).put("reason", LayerInspector.code(d.notMine().code()))
                        .put("detail", d.notMine().reason());
            }
            layer.layerDir().ifPresent(dir -> node.put("layer_dir", dir.toString()));
            layer.toc().ifPresent(toc -> {
                ObjectNode t = node.putObject("toc");
                t.put("files", toc.files()).put("dirs", toc.dirs()).put("symlinks", toc.symlinks())
                        .put("hard_links", toc.hardLinks()).put("others", toc.others()).put("chunks", toc.chunks())
                        .put("uncompressed_bytes", toc.uncompressedBytes())
                        .put("toc_compressed_bytes", toc.tocCompressedBytes()).put("toc_json_bytes", toc.tocJsonBytes())
                        .put("landmark", toc.landmark());
                toc.prioritizedBytes().ifPresent(bytes -> t.put("prioritized_bytes", bytes));
            });
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
