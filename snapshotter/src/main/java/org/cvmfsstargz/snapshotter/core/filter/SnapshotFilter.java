package org.cvmfsstargz.snapshotter.core.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.cvmfsstargz.snapshotter.core.SnapshotException;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;
import org.cvmfsstargz.snapshotter.core.filter.FilterScanner.Token;
import org.cvmfsstargz.snapshotter.core.filter.FilterScanner.Type;

/**
 * The filters of a List (Walk) request, parsed once and matched against each snapshot, with the
 * grammar and meaning of containerd's {@code filters} package and the fields of its
 * {@code adaptSnapshot} (snapshots/storage/bolt.go).
 *
 * <p>Vocabulary. A <em>filter</em> is one of the request's strings: selectors joined by
 * {@code ,}, all of which must match. The strings are alternatives: a snapshot is listed if any
 * matches. No strings, or an empty string among them, match every snapshot. A <em>selector</em>
 * is {@code fieldpath[op value]}:
 *
 * <ul>
 *   <li>a bare field path tests presence;
 *   <li>{@code ==} wants the field present and equal to the value;
 *   <li>{@code !=} wants it unequal, an absent field counting as the empty string;
 *   <li>{@code ~=} searches the field (or the empty string) with a {@link Pattern}, like Go's
 *       {@code MatchString}.
 * </ul>
 *
 * <p>Fields, as containerd reports them: {@code name}, {@code parent} and {@code kind}
 * ({@code active}, {@code view}, {@code committed}) are always present, so {@code parent==""}
 * selects snapshots without a parent (containerd PR #3793) and a bare {@code parent} selects all.
 * {@code labels.<key>} is present when the label is set; the components after {@code labels} are
 * joined with {@code .}, so {@code labels.a.b} and {@code labels."a.b"} both name the key
 * {@code a.b}. Like containerd, only the first component picks the field ({@code name.x} reads
 * {@code name}), and an unknown field is absent rather than an error.
 *
 * <p>Where this departs from containerd, it is stricter at parse time. A regular expression is a
 * Java {@link Pattern}, not RE2, and one that does not compile is an InvalidArgument (containerd
 * logs it and matches nothing). A search that backtracks past a bound of steps (as
 * {@code (.*a){12}b} does on a long label) is an InvalidArgument too, where RE2 is linear-time.
 * Quoted escapes such as {@code \xff} that do not form UTF-8 are rejected too (Go accepts a byte
 * string that no label can equal).
 *
 * <p>Immutable and thread-safe; holds no resources, so there is nothing to close.
 */
public final class SnapshotFilter {

    private static final SnapshotFilter ALL = new SnapshotFilter(List.of(), List.of());

    private final List<String> filters;
    /** The alternatives; an empty inner list matches everything, an empty outer list too. */
    private final List<List<Selector>> alternatives;

    private SnapshotFilter(List<String> filters, List<List<Selector>> alternatives) {
        this.filters = filters;
        this.alternatives = alternatives;
    }

    /**
     * Parses containerd's List filters: each string is an AND of comma-separated selectors; the
     * strings are OR'ed; an empty list (or a list of only empty strings) matches everything. As in
     * containerd, an empty string matches everything even beside other strings.
     *
     * @throws SnapshotException.InvalidArgument if a string is not a filter; the message names the
     *     filter, the offset and the reason
     */
    public static SnapshotFilter parse(List<String> filters) {
        List<String> copy = List.copyOf(filters);
        if (copy.isEmpty()) {
            return ALL;
        }
        var alternatives = new ArrayList<List<Selector>>(copy.size());
        for (String filter : copy) {
            alternatives.add(filter.isEmpty() ? List.of() : selectors(new FilterScanner(filter)));
        }
        return new SnapshotFilter(copy, List.copyOf(alternatives));
    }

    /** Whether the snapshot passes the filters. */
    public boolean matches(SnapshotInfo info) {
        Objects.requireNonNull(info, "info");
        return alternatives.isEmpty()
                || alternatives.stream().anyMatch(all -> all.stream().allMatch(s -> s.matches(info)));
    }

    /** The filter strings as given, for logs. */
    @Override
    public String toString() {
        return "SnapshotFilter" + filters;
    }

    private static List<Selector> selectors(FilterScanner scanner) {
        var selectors = new ArrayList<Selector>();
        selectors.add(selector(scanner));
        while (scanner.peek() != FilterScanner.END) {
            if (scanner.peek() != ',') {
                throw scanner.error(scanner.position(),
                        "unexpected '" + Character.toString(scanner.peek()) + "' after a selector");
            }
            scanner.scan();
            selectors.add(selector(scanner));
        }
        return List.copyOf(selectors);
    }

    private static Selector selector(FilterScanner scanner) {
        List<String> path = fieldPath(scanner);
        if (scanner.peek() == ',' || scanner.peek() == FilterScanner.END) {
            return new Selector(path, Operator.PRESENT, "", null);
        }
        Operator operator = operator(scanner.scan(), scanner);
        Token token = scanner.scan();
        String value = switch (token.type()) {
            case VALUE -> token.text();
            case QUOTED -> scanner.unquote(token, operator == Operator.MATCHES);
            default -> throw scanner.error(
                    token.position(), "expected a value or a quoted string after " + operator.symbol);
        };
        if (operator != Operator.MATCHES) {
            return new Selector(path, operator, value, null);
        }
        try {
            return new Selector(path, operator, value, Pattern.compile(value));
        } catch (PatternSyntaxException e) {
            throw scanner.error(token.position(), "bad regular expression: " + e.getDescription(), e);
        }
    }

    private static List<String> fieldPath(FilterScanner scanner) {
        var path = new ArrayList<String>();
        path.add(field(scanner));
        while (scanner.peek() == '.') {
            scanner.scan();
            path.add(field(scanner));
        }
        return List.copyOf(path);
    }

    private static String field(FilterScanner scanner) {
        Token token = scanner.scan();
        return switch (token.type()) {
            case FIELD -> token.text();
            case QUOTED -> scanner.unquote(token, false);
            default -> throw scanner.error(token.position(), "expected a field name or a quoted string");
        };
    }

    private static Operator operator(Token token, FilterScanner scanner) {
        if (token.type() != Type.OPERATOR) {
            throw scanner.error(token.position(), "expected an operator (==, != or ~=)");
        }
        return switch (token.text()) {
            case "==" -> Operator.EQUAL;
            case "!=" -> Operator.NOT_EQUAL;
            case "~=" -> Operator.MATCHES;
            default -> throw scanner.error(token.position(), "unsupported operator '" + token.text() + "'");
        };
    }

    /** The field as containerd's adaptSnapshot reports it: its value, or empty when absent. */
    private static Optional<String> fieldValue(SnapshotInfo info, List<String> path) {
        return switch (path.getFirst()) {
            case "name" -> Optional.of(info.name());
            case "parent" -> Optional.of(info.parent());
            case "kind" -> Optional.of(info.kind().filterName());
            case "labels" -> Optional.ofNullable(info.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }

    private enum Operator {
        PRESENT("?"),
        EQUAL("=="),
        NOT_EQUAL("!="),
        MATCHES("~=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }
    }

    /** One {@code fieldpath[op value]}; {@code pattern} is set for {@code ~=} only. */
    private record Selector(List<String> path, Operator operator, String value, Pattern pattern) {

        boolean matches(SnapshotInfo info) {
            Optional<String> field = fieldValue(info, path);
            return switch (operator) {
                case PRESENT -> field.isPresent();
                case EQUAL -> field.isPresent() && field.get().equals(value);
                case NOT_EQUAL -> !field.orElse("").equals(value);
                case MATCHES -> search(field.orElse(""));
            };
        }

        /** {@code find}, within {@link StepBoundedText#MAX_STEPS}: a pattern that backtracks past it is refused. */
        private boolean search(String text) {
            try {
                return pattern.matcher(new StepBoundedText(text)).find();
            } catch (StepBoundedText.TooManySteps e) {
                throw new SnapshotException.InvalidArgument("the regular expression '" + value + "' of filter "
                        + String.join(".", path) + " takes too long on a value of " + text.length()
                        + " characters (more than " + StepBoundedText.MAX_STEPS + " steps of backtracking);"
                        + " write it so that it does not backtrack, e.g. '(a+)+' as 'a+'");
            }
        }
    }
}
