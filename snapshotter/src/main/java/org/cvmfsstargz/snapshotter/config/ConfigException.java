package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.Optional;

/** A configuration that cannot be used: names the file (when known), the key and the reason. */
public final class ConfigException extends RuntimeException {
    private final Optional<Path> file;
    private final String key;
    private final String reason;

    public ConfigException(String key, String reason) {
        this(Optional.empty(), key, reason, null);
    }

    public ConfigException(Optional<Path> file, String key, String reason, Throwable cause) {
        super(file.map(f -> f + ": ").orElse("") + (key.isEmpty() ? "" : key + ": ") + reason, cause);
        this.file = file;
        this.key = key;
        this.reason = reason;
    }

    public ConfigException inFile(Path file) {
        return new ConfigException(Optional.of(file), key, reason, this);
    }

    public Optional<Path> file() {
        return file;
    }

    public String key() {
        return key;
    }

    public String reason() {
        return reason;
    }
}
