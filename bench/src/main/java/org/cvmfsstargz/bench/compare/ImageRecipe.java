package org.cvmfsstargz.bench.compare;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * How to build one benchmark image from Debian packages, and what a container of it runs. Each
 * layer installs its packages with everything they depend on that no lower layer has, as
 * {@code apt-get install --no-install-recommends} would on top of the lower layers. Immutable.
 *
 * @param name        the name in {@code --images}, tables and the cache
 * @param description one line for the report
 * @param layers      bottom first
 * @param workload    what the container runs in the start-up section
 */
record ImageRecipe(String name, String description, List<LayerRecipe> layers, Workload workload) {
    ImageRecipe {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(name + " has no layers");
        }
    }

    /**
     * One layer.
     *
     * @param name     a short name for progress and the report
     * @param packages the packages it installs (their dependencies come along)
     * @param links    symbolic links to add, path in the image to target: what
     *                 {@code update-alternatives}, which {@code dpkg -x} does not run, would make
     * @param files    small files to add, path to content (e.g. {@code /etc/passwd}, which
     *                 base-passwd's maintainer script would write)
     */
    record LayerRecipe(String name, List<String> packages, Map<String, String> links, Map<String, String> files) {
        LayerRecipe {
            packages = List.copyOf(packages);
            links = Map.copyOf(links);
            files = Map.copyOf(files);
            for (String path : links.keySet()) {
                requireRelative(path);
            }
            for (String path : files.keySet()) {
                requireRelative(path);
            }
        }

        LayerRecipe(String name, List<String> packages) {
            this(name, packages, Map.of(), Map.of());
        }

        /** Everything that decides the layer's bytes besides the packages' versions, in a stable order. */
        String key() {
            return name + ":" + String.join(",", packages) + ":" + new TreeMap<>(links) + ":" + new TreeMap<>(files);
        }

        private static void requireRelative(String path) {
            if (path.startsWith("/") || path.contains("..") || path.isBlank()) {
                throw new IllegalArgumentException("a path inside the layer, without a leading / or .., got " + path);
            }
        }
    }

    /**
     * What a container of the image runs, through {@code /bin/sh -c}, and what it must print.
     *
     * @param script   a shell script
     * @param expected what its standard output must match (whole, after stripping the final newline)
     */
    record Workload(String script, Pattern expected) {}
}
