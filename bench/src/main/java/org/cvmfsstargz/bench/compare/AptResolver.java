package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.bench.compare.ImageRecipe.LayerRecipe;

/**
 * Which Debian packages, at which versions, each layer of a recipe holds: apt's own resolver,
 * asked to simulate {@code apt-get install --no-install-recommends} of the packages of this layer
 * and all below it on an empty system ({@code Dir::State::status} an empty file), so alternatives
 * and virtual packages are chosen as apt chooses them; a layer gets what the simulation installs
 * that no lower layer has. Uses the machine's package lists ({@code apt-get update} refreshes
 * them). Stateless.
 */
final class AptResolver {
    /** {@code Inst libc6 (2.36-9+deb12u14 Debian-Security:12/stable-security [amd64])}. */
    private static final Pattern INST = Pattern.compile("^Inst (\\S+) (?:\\[\\S+\\] )?\\((\\S+) .*\\[(\\S+)\\]\\)");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    /**
     * One package at one version.
     *
     * @param name    the package
     * @param version its version, epoch included
     * @param arch    {@code amd64} or {@code all}
     */
    record Deb(String name, String version, String arch) {
        /** The file name {@code apt-get download} gives it (an epoch's colon is written {@code %3a}). */
        String fileName() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }

        /** {@code name=version}, as {@code apt-get download} takes it. */
        String pinned() {
            return name + "=" + version;
        }
    }

    private AptResolver() {}

    /** The packages of each layer of {@code layers}, bottom first; {@code work} holds the empty status file. */
    static List<List<Deb>> resolve(List<LayerRecipe> layers, Path work) throws IOException {
        Path status = Files.createDirectories(work).resolve("empty-dpkg-status");
        Files.writeString(status, "");
        List<String> roots = new ArrayList<>();
        Set<String> below = new HashSet<>();
        List<List<Deb>> result = new ArrayList<>();
        for (LayerRecipe layer : layers) {
            roots.addAll(layer.packages());
            List<Deb> all = simulate(roots, status);
            List<Deb> mine = all.stream().filter(d -> !below.contains(d.name())).toList();
            all.forEach(d -> below.add(d.name()));
            result.add(mine);
        }
        return List.copyOf(result);
    }

    private static List<Deb> simulate(List<String> packages, Path status) throws IOException {
        List<String> command = new ArrayList<>(List.of("apt-get", "-s", "-o", "Dir::State::status=" + status,
                "-o", "Debug::NoLocking=1", "install", "--no-install-recommends"));
        command.addAll(packages);
        Shell.Result r = Shell.run(command, TIMEOUT);
        if (r.code() != 0) {
            throw new IOException("apt cannot resolve " + packages + " (try `apt-get update`):\n" + r.tail());
        }
        List<Deb> debs = parse(r.output());
        if (debs.isEmpty()) {
            throw new IOException("apt installs nothing for " + packages + ":\n" + r.tail());
        }
        return debs;
    }

    /** The packages of {@code apt-get -s install} output, in the order apt would unpack them, each once. */
    static List<Deb> parse(String output) {
        Map<String, Deb> debs = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            Matcher m = INST.matcher(line);
            if (m.find()) {
                debs.putIfAbsent(m.group(1), new Deb(m.group(1), m.group(2), m.group(3)));
            }
        }
        return List.copyOf(debs.values());
    }
}
