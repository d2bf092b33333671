package org.cvmfsstargz.bench.compare;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.bench.HostFacts;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.compare.ImageFacts.LayerFacts;
import org.cvmfsstargz.bench.compare.Samples.CvmfsRun;
import org.cvmfsstargz.bench.compare.Samples.Failure;
import org.cvmfsstargz.bench.compare.Samples.Read;
import org.cvmfsstargz.bench.compare.Samples.StartUp;
import org.cvmfsstargz.bench.compare.Summary.Ratio;
import org.cvmfsstargz.bench.startup.JsonObject;
import org.cvmfsstargz.bench.startup.Spread;

/**
 * The comparison's output: the header (machine, variants, images and what making them took),
 * one table per section with every sample, the medians and ratios, the failures, and everything
 * again as one JSON line. Immutable.
 *
 * @param startedAt     when the run began
 * @param host          the machine
 * @param options       the settings
 * @param images        the images measured, with their facts
 * @param convertedNow  names of the images converted in this run (the others' conversion was reused)
 * @param ingest        the CVMFS section's ingest, if it ran
 * @param startUps      the start-up section's samples
 * @param reads         the read section's passes
 * @param cvmfs         the CVMFS section's samples
 * @param failures      samples that failed
 * @param elapsed       the whole run's wall-clock time
 */
record CompareReport(Instant startedAt, HostFacts host, CompareOptions options, List<Built> images,
        Set<String> convertedNow, Optional<CvmfsSection.Ingest> ingest, List<StartUp> startUps, List<Read> reads,
        List<CvmfsRun> cvmfs, List<Failure> failures, Duration elapsed) {
    private static final double NOISY = 0.10;

    CompareReport {
        images = List.copyOf(images);
        convertedNow = Set.copyOf(convertedNow);
        startUps = List.copyOf(startUps);
        reads = List.copyOf(reads);
        cvmfs = List.copyOf(cvmfs);
        failures = List.copyOf(failures);
    }

    void printTable(PrintStream out) {
        out.println("Comparison benchmark: our snapshotter against reference snapshotters on images built from Debian"
                + " packages, each sample cold, variants interleaved");
        out.printf(Locale.ROOT, "machine  nproc=%d  cpu=%s  kernel=%s  java=%s  load=%s%n", host.nproc(), host.cpu(),
                host.kernel(), host.java(), host.load());
        out.printf(Locale.ROOT, "tmp      on %s (mounted on %s); image cache %s%n", host.rootFsType(), host.rootMount(),
                options.imageCache());
        for (Variant v : options.variants()) {
            out.printf(Locale.ROOT, "variant  %-10s %s%n", v.label(), describe(v));
        }
        options.cvmfsReference().ifPresent(v -> out.printf(Locale.ROOT, "variant  %-10s %s (cvmfs section)%n",
                v.label(), describe(v)));
        options.notes().forEach(n -> out.println("note     " + n));
        for (Built b : images) {
            ImageFacts f = b.facts();
            out.printf(Locale.ROOT, "image    %-10s %s%n", b.recipe().name(), b.recipe().description());
            out.printf(Locale.ROOT, "         %d layers, %,d entries, tar %,d bytes, gzip %,d, eStargz %,d; built in"
                    + " %.0f s%s, converted in %.0f s%s (key %s)%n", f.layers().size(), f.entries(), f.tarBytes(),
                    f.gzipBytes(), f.conversion().map(ImageFacts.Conversion::estargzBytes).orElse(0L),
                    f.build().toNanos() / 1e9, b.reused() ? " (by an earlier run)" : "",
                    f.conversion().map(c -> c.convert().toNanos() / 1e9).orElse(0.0),
                    convertedNow.contains(b.recipe().name()) ? "" : " (by an earlier run)", b.key());
            for (LayerFacts l : f.layers()) {
                out.printf(Locale.ROOT, "           %-10s %4d packages %,9d entries  tar %,14d  gzip %,13d%n", l.name(),
                        l.packages(), l.entries(), l.tarBytes(), l.gzipBytes());
            }
        }
        ingest.ifPresent(i -> out.printf(Locale.ROOT, "ingest   %.1f s: %s%n", i.time().toNanos() / 1e9, i.summary()));
        out.printf(Locale.ROOT, "runs     %d round(s), variants rotated each round; each sample on a fresh containerd and"
                + " snapshotter (empty root)%s; slow link = +%d ms per request and connection, %d Mbit/s shared%n%n",
                options.repeat(), options.dropCaches() ? ", page cache dropped" : ", page cache NOT dropped",
                options.latency().toMillis(), options.bitsPerSecond() / 1_000_000);
        List<String> labels = labels(options.variants());
        List<Ratio> ratios = ratios(options.variants(), options.baseline());
        if (options.runs(Section.STARTUP)) {
            StartupTable.print(out, startUps, labels, ratios);
            out.println();
        }
        if (options.runs(Section.READ)) {
            ReadTable.print(out, reads, labels, ratios);
            out.println();
        }
        if (options.runs(Section.CVMFS)) {
            CvmfsTable.print(out, cvmfs, labels(cvmfsVariants()), ratios(cvmfsVariants(), cvmfsBaseline()));
            out.println();
        }
        double noisiest = noisiest();
        out.printf(Locale.ROOT, "others   others' CPU share: median %.0f %%, largest %.0f %% of any sample%s%n",
                othersMedian() * 100, noisiest * 100,
                noisiest > NOISY ? " (WARNING: other work competed for the processors; compare with care)" : "");
        failures.forEach(f -> out.println("FAILED   " + f.what() + ": " + f.message().lines().findFirst().orElse("")));
        out.printf(Locale.ROOT, "after    %d sample(s) failed; run took %.1f min%n", failures.size(),
                elapsed.toNanos() / 60e9);
    }

    String jsonLine() {
        List<JsonObject> variants = new ArrayList<>();
        options.variants().forEach(v -> variants.add(variant(v)));
        options.cvmfsReference().ifPresent(v -> variants.add(variant(v)));
        List<JsonObject> imageJson = images.stream().map(this::image).toList();
        JsonObject settings = new JsonObject().number("repeat", options.repeat())
                .number("latency_ms", options.latency().toMillis()).number("bits_per_second", options.bitsPerSecond())
                .bool("drop_caches", options.dropCaches())
                .string("sections", String.join(",", options.sections().stream().map(Section::option).toList()))
                .string("links", String.join(",", options.links().stream().map(Link::option).toList()))
                .string("baseline", options.baseline().label());
        List<String> labels = labels(options.variants());
        List<Ratio> ratios = ratios(options.variants(), options.baseline());
        JsonObject summary = new JsonObject()
                .object("startup", StartupTable.SUMMARY.json(startUps, labels, ratios))
                .object("read", ReadTable.SUMMARY.json(reads, labels, ratios))
                .object("cvmfs", CvmfsTable.SUMMARY.json(cvmfs, labels(cvmfsVariants()),
                        ratios(cvmfsVariants(), cvmfsBaseline())));
        JsonObject json = new JsonObject().string("benchmark", "compare").number("format", 1)
                .string("started_at", startedAt.toString()).number("elapsed_s", elapsed.toMillis() / 1e3)
                .object("machine", new JsonObject().number("nproc", host.nproc()).string("cpu", host.cpu())
                        .string("kernel", host.kernel()).string("java", host.java()).string("load_at_start", host.load()))
                .array("variants", variants).string("notes", String.join("; ", options.notes()))
                .array("images", imageJson).object("settings", settings)
                .array("startup", StartupTable.rows(startUps)).array("read", ReadTable.rows(reads))
                .array("cvmfs", CvmfsTable.rows(cvmfs)).object("summary", summary)
                .number("max_others_cpu_share", noisiest()).number("median_others_cpu_share", othersMedian())
                .array("failures", failures.stream().map(f -> new JsonObject().string("section", f.section().option())
                        .string("what", f.what()).string("message", f.message())).toList());
        ingest.ifPresent(i -> json.object("cvmfs_ingest", new JsonObject().number("ms", i.time().toMillis())
                .string("summary", i.summary())));
        return json.toString();
    }

    private JsonObject image(Built b) {
        ImageFacts f = b.facts();
        JsonObject j = new JsonObject().string("name", b.recipe().name()).string("key", b.key())
                .number("layers", f.layers().size()).number("entries", f.entries()).number("tar_bytes", f.tarBytes())
                .number("gzip_bytes", f.gzipBytes()).number("build_s", f.build().toMillis() / 1e3)
                .bool("build_reused", b.reused()).bool("conversion_reused", !convertedNow.contains(b.recipe().name()));
        f.conversion().ifPresent(c -> j.number("estargz_bytes", c.estargzBytes())
                .number("convert_s", c.convert().toMillis() / 1e3).number("convert_fetch_s", c.fetch().toMillis() / 1e3)
                .number("convert_push_s", c.push().toMillis() / 1e3));
        return j.array("layer_facts", f.layers().stream().map(l -> new JsonObject().string("name", l.name())
                .number("packages", l.packages()).number("entries", l.entries()).number("tar_bytes", l.tarBytes())
                .number("gzip_bytes", l.gzipBytes())).toList());
    }

    private static JsonObject variant(Variant v) {
        return new JsonObject().string("label", v.label()).string("kind", v.kind().name().toLowerCase(Locale.ROOT))
                .string("command", String.join(" ", v.template()))
                .string("config", v.referenceConfig().orElse("built-in defaults, [metrics] enabled = false"));
    }

    private static String describe(Variant v) {
        return String.join(" ", v.template()) + (v.ours() ? "; built-in defaults, metrics off"
                : "; config: " + v.referenceConfig().orElse("").strip().replace("\n", "; "));
    }

    /**
     * The ratios the tables give: every variant over the baseline (the reference if there is one,
     * else the first jar), and with several jars and a reference, every later jar over the first
     * too (the comparison of two builds).
     */
    static List<Ratio> ratios(List<Variant> variants, Variant baseline) {
        List<Ratio> ratios = new ArrayList<>();
        variants.stream().filter(v -> !v.equals(baseline)).forEach(v -> ratios.add(new Ratio(v.label(),
                baseline.label())));
        List<Variant> ours = variants.stream().filter(Variant::ours).toList();
        if (ours.size() > 1 && !ours.getFirst().equals(baseline)) {
            ours.subList(1, ours.size()).forEach(v -> ratios.add(new Ratio(v.label(), ours.getFirst().label())));
        }
        return List.copyOf(ratios);
    }

    private static List<String> labels(List<Variant> variants) {
        return variants.stream().map(Variant::label).toList();
    }

    private List<Variant> cvmfsVariants() {
        List<Variant> variants = new ArrayList<>(options.variants().stream().filter(Variant::ours).toList());
        options.cvmfsReference().ifPresent(variants::add);
        return variants;
    }

    private Variant cvmfsBaseline() {
        return options.cvmfsReference().orElse(options.firstOurs());
    }

    private double noisiest() {
        return othersShares().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    private double othersMedian() {
        List<Double> shares = othersShares();
        return shares.isEmpty() ? 0 : Spread.of(shares).median();
    }

    private List<Double> othersShares() {
        List<Optional<Double>> shares = new ArrayList<>();
        startUps.forEach(s -> shares.add(s.usage().othersShare()));
        reads.forEach(r -> shares.add(r.usage().othersShare()));
        cvmfs.forEach(c -> shares.add(c.usage().othersShare()));
        return shares.stream().flatMap(Optional::stream).toList();
    }
}
