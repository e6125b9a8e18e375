package org.e2guard.operations;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;


import io.quarkus.test.junit.QuarkusTest;

/**
 * The review's extra golden-style cases (src/test/resources/cases, one spec point each, expected
 * findings derived by hand from RULES.md; see the README there) through the public endpoint,
 * exactly as {@link GoldenCasesTest} runs the shared ones.
 */
@QuarkusTest
class ExtraCasesTest {

    static Path casesDir() {
        return Path.of("src/test/resources/cases");
    }

    static Stream<String> cases() throws IOException {
        return GoldenCasesTest.casesIn(casesDir());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void caseMatchesExpectedFindings(String name) throws IOException {
        GoldenCasesTest.assertCase(casesDir(), name);
    }

    /** Guards against the folder silently going missing (a parameterised test over nothing passes). */
    @org.junit.jupiter.api.Test
    void casesArePresent() throws IOException {
        assertTrue(cases().count() >= 30, "extra cases found in " + casesDir().toAbsolutePath());
    }
}
