package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {
    private static final String HEX = "e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13";

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        // reference                        | registry         | repository            | tag    | digest | host
        "busybox                            | docker.io        | library/busybox       | latest | -      | registry-1.docker.io",
        "busybox:1.36                       | docker.io        | library/busybox       | 1.36   | -      | registry-1.docker.io",
        "docker.io/busybox                  | docker.io        | library/busybox       | latest | -      | registry-1.docker.io",
        "index.docker.io/library/busybox:1  | docker.io        | library/busybox       | 1      | -      | registry-1.docker.io",
        "ubuntu/app:v2                      | docker.io        | ubuntu/app            | v2     | -      | registry-1.docker.io",
        "ghcr.io/org/team/app:1.0-rc_1      | ghcr.io          | org/team/app          | 1.0-rc_1 | -    | ghcr.io",
        "127.0.0.1:5000/it/x:1              | 127.0.0.1:5000   | it/x                  | 1      | -      | 127.0.0.1:5000",
        "localhost/app                      | localhost        | app                   | latest | -      | localhost",
        "localhost:5000/app                 | localhost:5000   | app                   | latest | -      | localhost:5000",
        "[::1]:5000/app:t                   | [::1]:5000       | app                   | t      | -      | [::1]:5000",
        "Registry/app                       | Registry         | app                   | latest | -      | Registry",
        "a.io/x__y/z-w.v:T_1                | a.io             | x__y/z-w.v            | T_1    | -      | a.io",
        "busybox@sha256:" + HEX + "         | docker.io        | library/busybox       | -      | sha256:" + HEX + " | registry-1.docker.io",
        "a.io/b:c@sha256:" + HEX + "        | a.io             | b                     | c      | sha256:" + HEX + " | a.io",
    })
    void wellFormedReferencesParseAndNormalise(String text, String registry, String repository, String tag,
            String digest, String host) {
        ImageReference ref = ImageReference.parse(text);

        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag().orElse(null)).isEqualTo(tag);
        assertThat(ref.digest().map(Object::toString).orElse(null)).isEqualTo(digest);
        assertThat(ref.registryHost()).isEqualTo(host);
        assertThat(ref.manifestReference()).isEqualTo(digest != null ? digest : tag);
        assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @CsvSource(delimiter = '|', value = {
        "''                                  | empty",
        "'busybox '                          | space",
        "https://ghcr.io/app                 | scheme",
        "busybox:                            | tag ''",
        ":tag                                | empty path component",
        "a.io//b                             | empty path component",
        "a.io/b/                             | empty path component",
        "a.io/App                            | upper-case",
        "a.io/-b                             | path component '-b'",
        "a.io/b..c                           | path component 'b..c'",
        "a.io/b:.t                           | tag '.t'",
        "a.io:0/b                            | port '0'",
        "a.io:99999/b                        | port '99999'",
        "a-.io/b                             | registry host 'a-.io'",
        "busybox@sha256:abc                  | 64 lowercase hex",
        "busybox@md5:0123                    | only sha256",
        "busybox@                            | only sha256",
    })
    void malformedReferencesAreRefusedNamingThePartAtFault(String text, String why) {
        assertThatThrownBy(() -> ImageReference.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(why);
    }
}
