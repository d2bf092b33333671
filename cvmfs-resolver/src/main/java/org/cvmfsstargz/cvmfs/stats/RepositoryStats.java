package org.cvmfsstargz.cvmfs.stats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.resolve.Repository;

/**
 * Reads {@link RepositoryStatistics} from the {@code user.*} extended attributes of a repository
 * root, in one call under {@link DeadlineCalls}. A missing attribute is an empty field; a root
 * that is missing, failing or hung is an {@link IOException}
 * ({@link org.cvmfsstargz.cvmfs.probe.RepositoryHungException} for the hang).
 *
 * <p>Thread-safe. Holds no resources to close.
 */
public final class RepositoryStats {
    /** The attributes read, without the {@code user.} prefix the JDK view adds itself. */
    static final String[] NAMES = {"revision", "nclg", "nioerr", "rx", "speed", "proxy", "host",
        "version", "usedfd"};
    /** Larger CVMFS attributes are paged; the ones read here are short. */
    private static final int MAX_VALUE_BYTES = 4096;

    private final DeadlineCalls calls;

    public RepositoryStats(Duration deadline) {
        this(new DeadlineCalls(deadline));
    }

    /** Shares {@code calls}' hang state, typically with a {@code RepositoryProbe}. */
    public RepositoryStats(DeadlineCalls calls) {
        this.calls = Objects.requireNonNull(calls, "calls");
    }

    /** Reads the statistics of {@code repository}'s root. */
    public RepositoryStatistics read(Repository repository) throws IOException {
        Path root = repository.root();
        Map<String, String> values = calls.call(repository, root, () -> readAll(root));
        return new RepositoryStatistics(number(values, "revision"), number(values, "nclg"),
                number(values, "nioerr"), number(values, "rx"), text(values, "speed"),
                text(values, "proxy"), text(values, "host"), text(values, "version"),
                number(values, "usedfd"));
    }

    private static Map<String, String> readAll(Path root) throws IOException {
        UserDefinedFileAttributeView view =
                Files.getFileAttributeView(root, UserDefinedFileAttributeView.class);
        if (view == null) {
            throw new IOException("no user extended attributes on " + root);
        }
        // One listing (which also fails loudly when the root is missing), then the known names:
        // CVMFS lists only some of its magic attributes, so unlisted ones are still tried.
        view.list();
        Map<String, String> values = new HashMap<>();
        for (String name : NAMES) {
            readOne(view, name).ifPresent(v -> values.put(name, v));
        }
        return values;
    }

    private static Optional<String> readOne(UserDefinedFileAttributeView view, String name) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_VALUE_BYTES);
            view.read(name, buffer);
            buffer.flip();
            return Optional.of(StandardCharsets.UTF_8.decode(buffer).toString().strip());
        } catch (IOException e) {
            return Optional.empty(); // ENODATA: this client does not offer the attribute
        }
    }

    private static OptionalLong number(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<String> text(Map<String, String> values, String name) {
        return Optional.ofNullable(values.get(name)).filter(v -> !v.isEmpty());
    }
}
