package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code docs/configuration.md} true to the configuration records: every key the loader
 * accepts is documented, and every documented key is one the loader accepts.
 */
class ConfigurationDocTest {
    /** A table row's first cell: {@code | `section.key...` |}; nested keys continue after the second dot. */
    private static final Pattern DOCUMENTED_KEY = Pattern.compile("(?m)^\\| `([a-z_]+\\.[a-z_]+)[^`]*` \\|");

    @Test
    void everyKeyIsDocumentedAndEveryDocumentedKeyExists() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
        Set<String> documented = new TreeSet<>();
        Matcher m = DOCUMENTED_KEY.matcher(doc);
        while (m.find()) {
            documented.add(m.group(1));
        }

        assertThat(documented).containsExactlyInAnyOrderElementsOf(acceptedKeys());
    }

    private static Set<String> acceptedKeys() {
        Set<String> keys = new TreeSet<>();
        for (RecordComponent section : Config.class.getRecordComponents()) {
            Arrays.stream(section.getType().getRecordComponents())
                    .map(key -> snakeCase(section.getName()) + "." + snakeCase(key.getName()))
                    .forEach(keys::add);
        }
        return keys;
    }

    private static String snakeCase(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }
}
