package org.e2guard.cds.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;

import org.e2guard.cds.config.CdsConfig;
import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The audience a JWT must name: the URL called, as the EHR sees it. */
class CdsAuthFilterTest {

    static CdsAuthFilter filter(String publicBaseUrl) {
        SmallRyeConfigBuilder b = new SmallRyeConfigBuilder().withMapping(CdsConfig.class)
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withConverter(java.time.Duration.class, 200, new DurationConverter());
        if (publicBaseUrl != null) {
            b.withDefaultValue("e2guard.cds.public-base-url", publicBaseUrl);
        }
        CdsAuthFilter f = new CdsAuthFilter();
        f.config = b.build().getConfigMapping(CdsConfig.class);
        return f;
    }

    @Test
    void withoutAPublicBaseUrlTheRequestsOwnUrlCounts() {
        assertEquals(List.of("http://10.0.0.7:8080/cds-services"),
                filter(null).audiences(URI.create("http://10.0.0.7:8080/cds-services"), "/cds-services"));
    }

    @Test
    void behindAProxyThePublicBaseUrlCounts() {
        CdsAuthFilter f = filter("https://cds.example.org/e2guard/");
        assertEquals(List.of("https://cds.example.org/e2guard/cds-services/e2guard-patient-view"),
                f.audiences(URI.create("http://10.0.0.7:8080/cds-services/e2guard-patient-view"),
                        "/cds-services/e2guard-patient-view"));
    }

    @Test
    void feedbackAlsoAcceptsItsServicesUrl() {
        assertEquals(List.of("https://cds.example.org/cds-services/s/feedback", "https://cds.example.org/cds-services/s"),
                filter("https://cds.example.org").audiences(URI.create("http://internal/cds-services/s/feedback"),
                        "/cds-services/s/feedback"));
    }
}
