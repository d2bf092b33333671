package org.cvmfsstargz.bench;

import java.io.IOException;
import java.util.Arrays;

/**
 * The command-line frame every benchmark's {@code main} shares: {@code --help} prints the usage,
 * an option error exits 2 with the usage, an expected failure (I/O, a broken set-up) exits 1 with
 * one line, and otherwise the benchmark's own status is the exit status.
 */
public final class BenchMain {
    /** Parses the arguments; an {@link IllegalArgumentException} is an option error. */
    @FunctionalInterface
    public interface Parser<O> {
        O parse(String[] args);
    }

    /** Runs the benchmark and returns its exit status. */
    @FunctionalInterface
    public interface Body<O> {
        int run(O options) throws IOException, InterruptedException;
    }

    private BenchMain() {}

    /** Runs {@code body} as the program {@code name} and exits the JVM with its status. */
    public static <O> void run(String name, String usage, String[] args, Parser<O> parser, Body<O> body) {
        if (Arrays.asList(args).contains("--help")) {
            System.out.print(usage);
            return;
        }
        O options;
        try {
            options = parser.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": " + e.getMessage());
            System.err.print(usage);
            System.exit(2);
            return;
        }
        int status;
        try {
            status = body.run(options);
        } catch (IOException | IllegalStateException e) {
            System.err.println(name + ": " + e.getMessage());
            status = 1;
        } catch (InterruptedException e) {
            System.err.println(name + ": interrupted");
            status = 1;
        }
        System.exit(status);
    }
}
