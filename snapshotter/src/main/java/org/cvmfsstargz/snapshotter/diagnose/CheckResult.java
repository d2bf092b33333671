package org.cvmfsstargz.snapshotter.diagnose;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one {@code check}: its status, what was checked, what was found, and for a
 * failure (sometimes a warning) how to fix it. Immutable.
 *
 * @param status  ok, warn or FAIL
 * @param what    the thing checked, e.g. {@code fuse} or {@code cvmfs unpacked.cern.ch}
 * @param detail  what was found
 * @param fix     what to do about it
 */
public record CheckResult(Status status, String what, String detail, Optional<String> fix) {
    /** How a check came out; only {@link #FAIL} makes {@code check} exit 1. */
    public enum Status {
        OK("ok"),
        WARN("warn"),
        FAIL("FAIL");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** As printed: {@code ok}, {@code warn}, {@code FAIL}. */
        public String label() {
            return label;
        }
    }

    public CheckResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fix, "fix");
    }

    public static CheckResult ok(String what, String detail) {
        return new CheckResult(Status.OK, what, detail, Optional.empty());
    }

    public static CheckResult warn(String what, String detail, String fix) {
        return new CheckResult(Status.WARN, what, detail, Optional.of(fix));
    }

    public static CheckResult fail(String what, String detail, String fix) {
        return new CheckResult(Status.FAIL, what, detail, Optional.of(fix));
    }

    /** The printed line: {@code <status> <what>: <detail>[; fix: <fix>]}. */
    public String line() {
        return String.format("%-4s %s: %s%s", status.label(), what, detail, fix.map(f -> "; fix: " + f).orElse(""));
    }
}
