package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonObjectTest {
    @Test
    void wholeNumbersAreIntegersAndOthersKeepSixSignificantDigits() {
        assertThat(JsonObject.number(42)).isEqualTo("42");
        assertThat(JsonObject.number(0.0375)).isEqualTo("0.0375");
        assertThat(JsonObject.number(1.0 / 3)).isEqualTo("0.333333");
        assertThat(JsonObject.number(3.3259e-7)).isEqualTo("0.00000033259");
        assertThat(JsonObject.number(Double.NaN)).isEqualTo("null");
    }

    @Test
    void stringsAreEscapedAndObjectsNest() {
        String json = new JsonObject().string("a", "x\"y\\z\n").number("n", 1.5).bool("b", true)
                .object("o", new JsonObject().number("m", 2))
                .array("l", List.of(new JsonObject().string("k", "v"))).toString();

        assertThat(json).isEqualTo("{\"a\":\"x\\\"y\\\\z\\n\",\"n\":1.5,\"b\":true,\"o\":{\"m\":2},\"l\":[{\"k\":\"v\"}]}");
    }
}
