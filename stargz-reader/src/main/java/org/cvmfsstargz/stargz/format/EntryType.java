package org.cvmfsstargz.stargz.format;

import java.util.Optional;

/**
 * The {@code type} of a TOC entry. {@link #HARDLINK} and {@link #CHUNK} occur in the TOC but never
 * as the type of a {@link TocEntry}: a hard link resolves to its target, a chunk belongs to the
 * regular file before it.
 */
public enum EntryType {
    DIR("dir"),
    REG("reg"),
    SYMLINK("symlink"),
    HARDLINK("hardlink"),
    CHAR("char"),
    BLOCK("block"),
    FIFO("fifo"),
    /** The second and later pieces of a chunked regular file. */
    CHUNK("chunk");

    private static final EntryType[] VALUES = values();

    private final String tocName;

    EntryType(String tocName) {
        this.tocName = tocName;
    }

    /** The spelling in {@code stargz.index.json}. */
    public String tocName() {
        return tocName;
    }

    /** The type spelled {@code tocName} in a TOC, if there is one. */
    public static Optional<EntryType> fromTocName(String tocName) {
        for (EntryType type : VALUES) {
            if (type.tocName.equals(tocName)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    /** The type spelled {@code text[from, from + length)}, or null: the parser's check, without a String. */
    static EntryType fromTocName(char[] text, int from, int length) {
        for (EntryType type : VALUES) {
            String name = type.tocName;
            if (name.length() == length) {
                int i = 0;
                while (i < length && name.charAt(i) == text[from + i]) {
                    i++;
                }
                if (i == length) {
                    return type;
                }
            }
        }
        return null;
    }

    static EntryType ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
