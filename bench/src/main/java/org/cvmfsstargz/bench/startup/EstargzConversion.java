package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * The one-off publication of a pushed image's eStargz form, the way users make it (as
 * integration-tests' {@code EstargzImages} does, but from the registry rather than an archive, so
 * a 1 GB image is never tarred again): in a containerd of its own,
 * <pre>
 * ctr content fetch --plain-http REG/REPO:TAG
 * ctr-remote image convert --estargz --oci REG/REPO:TAG REG/REPO:esgz    (4 MiB chunks, gzip level 9)
 * ctr images push --plain-http REG/REPO:esgz
 * </pre>
 * Each step timed. That containerd and its daemon are stopped and their directory deleted after.
 * Stateless.
 */
public final class EstargzConversion {
    public static final String ESGZ_TAG = "esgz";
    private static final Duration STEP_TIMEOUT = Duration.ofMinutes(60);
    private static final Pattern LAYER_SIZE = Pattern.compile("\"size\"\\s*:\\s*(\\d+)");

    /**
     * What the conversion made and took.
     *
     * @param fetch      {@code ctr content fetch} of the pushed image
     * @param convert    {@code ctr-remote image convert}
     * @param push       {@code ctr images push} of the converted image
     * @param layerBytes the converted layer blobs' sizes, all together
     */
    public record Converted(Duration fetch, Duration convert, Duration push, long layerBytes) {}

    private EstargzConversion() {}

    /** Converts {@code registry/repository:tag} into {@code :esgz} in the same repository, working in {@code dir}. */
    public static Converted convert(Path dir, String registry, String repository, String tag, Cleanup cleanup)
            throws IOException, InterruptedException {
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("snapshotter"), dir.resolve("d.sock"));
        Cleanup.Action stopDaemon = cleanup.push(daemon::close);
        ContainerdProcess containerd = ContainerdProcess.start(dir.resolve("containerd"), daemon.socket());
        Cleanup.Action stopContainerd = cleanup.push(containerd::close);
        CtrCommands ctr = new CtrCommands(containerd.address(), dir.resolve("containerd"));
        String source = registry + "/" + repository + ":" + tag;
        String target = registry + "/" + repository + ":" + ESGZ_TAG;
        Converted converted;
        try {
            Duration fetch = timed(ctr, List.of("ctr", "content", "fetch", "--plain-http", source));
            Duration convert = timed(ctr, List.of("ctr-remote", "image", "convert", "--estargz", "--oci", source,
                    target));
            Duration push = timed(ctr, List.of("ctr", "images", "push", "--plain-http", target));
            converted = new Converted(fetch, convert, push, layerBytes(registry, repository));
        } finally {
            containerd.close();
            cleanup.done(stopContainerd);
            daemon.close();
            cleanup.done(stopDaemon);
        }
        TempTree.delete(dir);
        return converted;
    }

    private static Duration timed(CtrCommands ctr, List<String> command) throws IOException {
        System.err.println("estargz-bench: " + String.join(" ", command));
        CtrCommands.Exit exit = ctr.run(command, STEP_TIMEOUT).orThrow();
        return Duration.ofNanos(exit.end() - exit.start());
    }

    /** The sizes of the layers of {@code :esgz}'s OCI manifest, added up. */
    public static long layerBytes(String registry, String repository) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + registry + "/v2/" + repository + "/manifests/" + ESGZ_TAG))
                    .header("Accept", "application/vnd.oci.image.manifest.v1+json").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the registry has no " + repository + ":" + ESGZ_TAG + ": HTTP "
                        + response.statusCode());
            }
            return layerBytes(response.body());
        }
    }

    /** The layers' {@code size} fields of a manifest, added up (annotations hold no {@code "size"} key). */
    static long layerBytes(String manifest) {
        int layers = manifest.indexOf("\"layers\"");
        if (layers < 0) {
            throw new IllegalStateException("not an image manifest: " + manifest);
        }
        Matcher m = LAYER_SIZE.matcher(manifest.substring(layers));
        long total = 0;
        while (m.find()) {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }
}
