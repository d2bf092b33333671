package org.cvmfsstargz.stargz.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One challenge from a {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters,
 * e.g. {@code Bearer realm="https://auth.docker.io/token",service="registry.docker.io",
 * scope="repository:library/busybox:pull"}. Parsing is pure.
 *
 * <p>Immutable and thread-safe.
 *
 * @param scheme the scheme in lower case ({@code bearer}, {@code basic}, ...)
 * @param params the parameters, names in lower case, quoted values unescaped
 */
record AuthChallenge(String scheme, Map<String, String> params) {
    AuthChallenge {
        Objects.requireNonNull(scheme, "scheme");
        params = Map.copyOf(params);
    }

    boolean isBearer() {
        return scheme.equals("bearer");
    }

    boolean isBasic() {
        return scheme.equals("basic");
    }

    Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name)).filter(v -> !v.isEmpty());
    }

    /**
     * The challenge to answer among all {@code WWW-Authenticate} header values: the first Bearer,
     * else the first Basic, else the first of any scheme; empty when there is none.
     */
    static Optional<AuthChallenge> choose(List<String> headerValues) {
        AuthChallenge basic = null;
        AuthChallenge other = null;
        for (String value : headerValues) {
            for (AuthChallenge c : parse(value)) {
                if (c.isBearer()) {
                    return Optional.of(c);
                }
                if (c.isBasic() && basic == null) {
                    basic = c;
                } else if (other == null) {
                    other = c;
                }
            }
        }
        return Optional.ofNullable(basic != null ? basic : other);
    }

    /** Every challenge in one header value, in order; malformed trailing text is ignored. */
    static List<AuthChallenge> parse(String header) {
        Parser p = new Parser(header);
        List<AuthChallenge> out = new ArrayList<>();
        String scheme = p.token();
        while (!scheme.isEmpty()) {
            Map<String, String> params = new LinkedHashMap<>();
            String next = "";
            while (true) {
                p.skipSpaceAndCommas();
                int mark = p.pos;
                String name = p.token();
                if (name.isEmpty()) {
                    break;
                }
                p.skipSpace();
                if (!p.eat('=')) {
                    next = name; // no '=': the scheme of the next challenge
                    break;
                }
                p.skipSpace();
                String value = p.peek() == '"' ? p.quoted() : p.token();
                params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
                if (p.pos == mark) {
                    break;
                }
            }
            out.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params));
            scheme = next;
        }
        return out;
    }

    /** A cursor over a header value. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s == null ? "" : s;
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        boolean eat(char c) {
            if (peek() == c) {
                pos++;
                return true;
            }
            return false;
        }

        void skipSpace() {
            while (peek() == ' ' || peek() == '\t') {
                pos++;
            }
        }

        void skipSpaceAndCommas() {
            while (peek() == ' ' || peek() == '\t' || peek() == ',') {
                pos++;
            }
        }

        /** An RFC 7230 token (plus '/' and ':', which unquoted realms use in the wild). */
        String token() {
            skipSpace();
            int start = pos;
            while (pos < s.length() && "\"=, \t".indexOf(s.charAt(pos)) < 0 && s.charAt(pos) > ' ') {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            StringBuilder out = new StringBuilder();
            pos++; // opening quote
            while (pos < s.length() && s.charAt(pos) != '"') {
                if (s.charAt(pos) == '\\' && pos + 1 < s.length()) {
                    pos++;
                }
                out.append(s.charAt(pos++));
            }
            pos++; // closing quote, if any
            return out.toString();
        }
    }
}
