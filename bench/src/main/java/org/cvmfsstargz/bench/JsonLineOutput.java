package org.cvmfsstargz.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Where every benchmark's JSON line goes: stdout after its tables, and appended to {@code --json-out}. */
public final class JsonLineOutput {
    private JsonLineOutput() {}

    public static void emit(String json, Optional<Path> jsonOut) throws IOException {
        System.out.println(json);
        if (jsonOut.isPresent()) {
            Files.writeString(jsonOut.get(), json + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }
}
