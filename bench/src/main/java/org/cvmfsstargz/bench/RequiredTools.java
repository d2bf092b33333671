package org.cvmfsstargz.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The programs a benchmark runs, checked before it starts anything. Stateless. */
public final class RequiredTools {
    /** containerd and ctr run with the standard PATH besides the caller's (see ContainerdProcess). */
    private static final String STANDARD_PATH = ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private RequiredTools() {}

    /**
     * @throws IllegalStateException naming each of {@code tools} not found on the PATH and each of
     *     {@code files} missing, and how to install them
     */
    public static void require(List<String> tools, List<Path> files) {
        List<String> missing = new ArrayList<>();
        for (String tool : tools) {
            boolean found = Arrays.stream((System.getenv().getOrDefault("PATH", "") + STANDARD_PATH).split(":"))
                    .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
            if (!found) {
                missing.add(tool);
            }
        }
        files.stream().filter(f -> !Files.isRegularFile(f)).forEach(f -> missing.add(f.toString()));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("missing " + missing + ": install them with scripts/install-test-deps");
        }
    }
}
