package org.cvmfsstargz.snapshotter.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads the TOML configuration file. An unknown key, a value of the wrong type or an invalid
 * value stops start-up with the file, the key and the reason. Stateless and thread-safe.
 */
public final class ConfigLoader {
    public static final Path DEFAULT_FILE = Path.of("/etc/cvmfs-stargz-snapshotter/config.toml");

    private static final TomlMapper MAPPER = TomlMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ConfigLoader() {}

    /**
     * Loads {@code file} when given (it must exist); otherwise the default file if present,
     * else the defaults: a node needs no configuration file at all.
     */
    public static Config load(Optional<Path> file) {
        if (file.isPresent()) {
            if (!Files.isRegularFile(file.get())) {
                throw new ConfigException(file, "", "no such configuration file", null);
            }
            return parse(file.get());
        }
        return Files.isRegularFile(DEFAULT_FILE) ? parse(DEFAULT_FILE) : Config.defaults();
    }

    static Config parse(Path file) {
        try {
            Config config = MAPPER.readValue(file.toFile(), Config.class);
            return config == null ? Config.defaults() : config;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", "));
            throw new ConfigException(Optional.of(file), keyPath(e), "unknown key (known here: " + known + ")", e);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof ConfigException invalid) {
                throw invalid.inFile(file);
            }
            throw new ConfigException(Optional.of(file), keyPath(e), firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigException(Optional.of(file), "", "cannot be read as TOML: " + firstLine(e.getMessage()), e);
        }
    }

    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String firstLine(String message) {
        return message == null ? "invalid" : message.lines().findFirst().orElse(message);
    }
}
