package org.cvmfsstargz.stargz.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Distinct UTF-8 strings (path segments, symlink targets) stored back to back in one byte array
 * and addressed by a dense id: about one byte per character plus four per string, instead of a
 * {@code String} object each. Built by {@link Builder#intern}, which hands out the same id for
 * the same bytes.
 *
 * <p>Immutable and thread-safe once built.
 */
final class NamePool {
    private final byte[] bytes;
    private final int[] starts;

    private NamePool(byte[] bytes, int[] starts) {
        this.bytes = bytes;
        this.starts = starts;
    }

    int count() {
        return starts.length - 1;
    }

    /** The heap its arrays take, headers included. */
    long retainedBytes() {
        return Toc.arrayBytes(bytes.length, 1) + Toc.arrayBytes(starts.length, 4);
    }

    String string(int id) {
        return new String(bytes, starts[id], length(id), StandardCharsets.UTF_8);
    }

    int length(int id) {
        return starts[id + 1] - starts[id];
    }

    boolean contentEquals(int id, byte[] utf8) {
        return Arrays.equals(bytes, starts[id], starts[id + 1], utf8, 0, utf8.length);
    }

    int hash(int id) {
        return hash(bytes, starts[id], starts[id + 1]);
    }

    static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h;
    }

    /** Collects strings; not thread-safe. */
    static final class Builder {
        private byte[] bytes = new byte[1 << 12];
        private int used;
        private int[] starts = new int[1 << 8];
        private int count;
        private int[] table = new int[1 << 8]; // id + 1, 0 = free slot

        /** The id of {@code utf8}'s content, added if new. */
        int intern(byte[] utf8) {
            return intern(utf8, 0, utf8.length);
        }

        /** The id of the content of {@code b[from, to)}, added if new. */
        int intern(byte[] b, int from, int to) {
            int slot = slotOf(b, from, to);
            if (table[slot] != 0) {
                return table[slot] - 1;
            }
            int id = append(b, from, to);
            table[slot] = id + 1;
            if (count * 2 > table.length) {
                rehash(table.length * 2);
            }
            return id;
        }

        /** The id of {@code utf8}'s content, or -1 if it was never interned. */
        int find(byte[] utf8) {
            return table[slotOf(utf8, 0, utf8.length)] - 1;
        }

        /** The slot holding the id of {@code b[from, to)}'s content, or the free slot where it belongs. */
        private int slotOf(byte[] b, int from, int to) {
            int mask = table.length - 1;
            int slot = mix(NamePool.hash(b, from, to)) & mask;
            for (int id; (id = table[slot] - 1) >= 0; slot = (slot + 1) & mask) {
                if (Arrays.equals(bytes, starts[id], starts[id] + lengthOf(id), b, from, to)) {
                    return slot;
                }
            }
            return slot;
        }

        int intern(String s) {
            return intern(s.getBytes(StandardCharsets.UTF_8));
        }

        String string(int id) {
            return new String(bytes, starts[id], lengthOf(id), StandardCharsets.UTF_8);
        }

        int hash(int id) {
            return NamePool.hash(bytes, starts[id], starts[id] + lengthOf(id));
        }

        /** The pool, trimmed to size; the builder must not be used afterwards. */
        NamePool build() {
            int[] exactStarts = Arrays.copyOf(starts, count + 1);
            exactStarts[count] = used;
            return new NamePool(Arrays.copyOf(bytes, used), exactStarts);
        }

        private int lengthOf(int id) {
            return (id + 1 < count ? starts[id + 1] : used) - starts[id];
        }

        private int append(byte[] b, int from, int to) {
            int n = to - from;
            if (used + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, used + n));
            }
            System.arraycopy(b, from, bytes, used, n);
            if (count + 1 >= starts.length) {
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            starts[count] = used;
            used += n;
            return count++;
        }

        private void rehash(int capacity) {
            table = new int[capacity];
            int mask = capacity - 1;
            for (int id = 0; id < count; id++) {
                int slot = mix(hash(id)) & mask;
                while (table[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = id + 1;
            }
        }
    }

    static int mix(int h) {
        h *= 0x9e3779b9;
        return h ^ (h >>> 16);
    }
}
