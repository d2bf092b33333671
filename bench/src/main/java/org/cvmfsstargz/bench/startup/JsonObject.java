package org.cvmfsstargz.bench.startup;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * A JSON object written field by field, for the benchmark's one-line report: strings escaped,
 * whole numbers as integers, other numbers to six significant digits (a ratio of bytes can be
 * one in a million). Not thread-safe.
 */
public final class JsonObject {
    private static final MathContext DIGITS = new MathContext(6);
    private final StringJoiner fields = new StringJoiner(",", "{", "}");

    public JsonObject string(String name, String value) {
        fields.add(quote(name) + ":" + quote(value));
        return this;
    }

    public JsonObject number(String name, double value) {
        fields.add(quote(name) + ":" + number(value));
        return this;
    }

    public JsonObject bool(String name, boolean value) {
        fields.add(quote(name) + ":" + value);
        return this;
    }

    public JsonObject object(String name, JsonObject value) {
        fields.add(quote(name) + ":" + value);
        return this;
    }

    public JsonObject array(String name, List<JsonObject> values) {
        StringJoiner array = new StringJoiner(",", "[", "]");
        values.forEach(v -> array.add(v.toString()));
        fields.add(quote(name) + ":" + array);
        return this;
    }

    @Override
    public String toString() {
        return fields.toString();
    }

    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return new BigDecimal(value).round(DIGITS).stripTrailingZeros().toPlainString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c < 0x20 ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }
}
