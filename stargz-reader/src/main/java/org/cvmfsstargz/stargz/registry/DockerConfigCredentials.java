package org.cvmfsstargz.stargz.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Credentials} from Docker's {@code config.json} ({@link DockerConfig}) and the credential
 * helpers it names ({@link CredentialHelper}). containerd never hands a snapshotter the
 * credentials of a pull, so the daemon reads the node's own, as {@code docker login} or a
 * node's provisioning left them.
 *
 * <p>The file is checked on every lookup (one {@code stat}) and read again when its modification
 * time, size or identity changes, so rotated credentials need no restart. A missing file means
 * anonymous. A file that becomes malformed is warned about and the last good content kept (an
 * editor may be half-way through). Helper answers are kept for a short while (a pull asks for
 * the same host many times) and forgotten when the file changes.
 *
 * <p>Thread-safe. Never logs or puts into a message a password, token or {@code auth} value.
 */
public final class DockerConfigCredentials implements Credentials {
    private static final Logger LOG = LoggerFactory.getLogger(DockerConfigCredentials.class);
    /** How long a credential helper may take; Docker itself waits without bound. */
    public static final Duration HELPER_TIMEOUT = Duration.ofSeconds(10);
    /** How long a helper's answer is used before the helper is asked again. */
    public static final Duration ANSWER_LIFETIME = Duration.ofSeconds(30);

    /** What tells one version of the file from another: modification time, size and identity (inode). */
    private record FileVersion(FileTime modified, long size, Object key) {}

    /** The file as last read: its version (empty: no file), and its content. */
    private record Loaded(Optional<FileVersion> version, DockerConfig config) {}

    private record Answer(Optional<UserPassword> credentials, Instant expires) {}

    private final Path file;
    private final CredentialHelper helper;
    private final InstantSource clock;
    private final Duration answerLifetime;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private volatile Loaded loaded;
    private volatile Optional<FileVersion> warnedVersion = Optional.empty();

    private DockerConfigCredentials(Path file, CredentialHelper helper, InstantSource clock, Duration answerLifetime) {
        this.file = Objects.requireNonNull(file, "file");
        this.helper = Objects.requireNonNull(helper, "helper");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.answerLifetime = Objects.requireNonNull(answerLifetime, "answerLifetime");
    }

    /**
     * Credentials from {@code file}, read now; helpers are found on the process's {@code PATH}.
     *
     * @throws IllegalArgumentException naming the file and the reason if it exists but cannot be read or used
     */
    public static DockerConfigCredentials open(Path file) {
        return open(file, new CredentialHelper(HELPER_TIMEOUT, CredentialHelper.systemPath()), InstantSource.system(),
                ANSWER_LIFETIME);
    }

    /** As {@link #open(Path)}, with the helper runner, clock and answer lifetime given (tests). */
    static DockerConfigCredentials open(Path file, CredentialHelper helper, InstantSource clock,
            Duration answerLifetime) {
        DockerConfigCredentials credentials = new DockerConfigCredentials(file, helper, clock, answerLifetime);
        Optional<FileVersion> version = credentials.version();
        credentials.loaded = new Loaded(version, version.isEmpty() ? DockerConfig.empty() : credentials.read());
        LOG.info("registry credentials from Docker config file={} present={} {}", file, version.isPresent(),
                credentials.loaded.config());
        return credentials;
    }

    /** The file credentials are read from. */
    public Path file() {
        return file;
    }

    @Override
    public Optional<UserPassword> lookup(String host) throws RegistryException {
        return switch (current().sourceOf(host)) {
            case DockerConfig.Source.None none -> Optional.empty();
            case DockerConfig.Source.Stored stored -> Optional.of(stored.credentials());
            case DockerConfig.Source.Helper h -> fromHelper(h, host);
        };
    }

    private Optional<UserPassword> fromHelper(DockerConfig.Source.Helper h, String host) throws RegistryException {
        String key = h.helper() + " " + h.serverAddress();
        Instant now = clock.instant();
        Answer cached = answers.get(key);
        if (cached != null && now.isBefore(cached.expires())) {
            return cached.credentials();
        }
        Optional<UserPassword> answer = helper.get(h.helper(), h.serverAddress(), host);
        answers.put(key, new Answer(answer, now.plus(answerLifetime)));
        return answer;
    }

    /** The configuration as the file now says, read again if it changed since last time. */
    private DockerConfig current() {
        Loaded last = loaded;
        Optional<FileVersion> version = version();
        if (version.equals(last.version())) {
            return last.config();
        }
        synchronized (this) {
            if (!version.equals(loaded.version())) {
                try {
                    loaded = new Loaded(version, version.isEmpty() ? DockerConfig.empty() : read());
                    answers.clear();
                    LOG.info("Docker config changed, credentials read again file={} present={} {}", file,
                            version.isPresent(), loaded.config());
                } catch (IllegalArgumentException e) {
                    if (!version.equals(warnedVersion)) {
                        warnedVersion = version;
                        LOG.warn("Docker config changed but cannot be used; keeping the credentials read before: {}",
                                e.getMessage());
                    }
                }
            }
            return loaded.config();
        }
    }

    /** Modification time, size and file identity; empty if there is no file. */
    private Optional<FileVersion> version() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return Optional.of(new FileVersion(a.lastModifiedTime(), a.size(),
                    Objects.requireNonNullElse(a.fileKey(), "")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(new FileVersion(FileTime.fromMillis(0), -1, e.toString())); // read() says why
        }
    }

    private DockerConfig read() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Docker config " + file + ": cannot be read: " + e.getMessage(), e);
        }
        return DockerConfig.parse(content, file.toString());
    }
}
