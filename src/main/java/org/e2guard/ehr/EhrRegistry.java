package org.e2guard.ehr;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.e2guard.ehr.auth.AuthInterceptor;
import org.e2guard.ehr.auth.EhrAuth;
import org.e2guard.ehr.auth.SmartBackendAuth;
import org.e2guard.ehr.config.EhrConfig;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The configured EHRs, built once at start-up. A configuration that cannot work (push without a
 * secret, SMART without a key) stops the start with a message naming the setting; the settings of
 * the work done for an EHR (its circuit breaker) come from the outbox that does it.
 */
@ApplicationScoped
@Startup
public class EhrRegistry {
    private static final Logger LOG = Logger.getLogger(EhrRegistry.class);
    /** Names go into URLs and the database: keep them to safe characters. */
    private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_-]{0,62}";

    private final Map<String, Ehr> ehrs = new TreeMap<>();

    public EhrRegistry(EhrConfig config, CircuitBreaker.Settings breakers, FhirContext ctx, Clock clock,
                       ObjectMapper json) {
        config.ehrs().forEach((name, c) -> {
            if (!name.matches(NAME_PATTERN)) {
                throw new IllegalStateException("e2guard.ehr." + name + ": an EHR name must match " + NAME_PATTERN);
            }
            if (c.push().enabled()) {
                if (c.push().secret().filter(s -> !s.isBlank()).isEmpty()) {
                    throw new IllegalStateException("e2guard.ehr." + name + ".push.secret is required while push is enabled "
                            + "(or set e2guard.ehr." + name + ".push.enabled=false to rely on the catch-up sync)");
                }
            }
            EhrAuth auth = auth(name, c, clock, json);
            ApacheRestfulClientFactory factory = new ApacheRestfulClientFactory(ctx);
            factory.setServerValidationMode(ServerValidationModeEnum.NEVER);
            factory.setConnectTimeout((int) c.connectTimeout().toMillis());
            factory.setSocketTimeout((int) c.readTimeout().toMillis());
            factory.setPoolMaxTotal(32);
            factory.setPoolMaxPerRoute(32);
            IGenericClient client = factory.newGenericClient(c.baseUrl());
            client.registerInterceptor(new AuthInterceptor(auth));
            client.registerInterceptor(new FreshReads());
            CircuitBreaker breaker = new CircuitBreaker(breakers.failureThreshold(), breakers.openFor(), clock);
            ehrs.put(name, new Ehr(name, c, client, auth, breaker));
            LOG.infof("EHR %s configured (auth %s, push %s, catch-up sync every %s)", name,
                    c.auth().type().name().toLowerCase(), c.push().enabled() ? "on" : "off", ehrs.get(name).syncInterval());
        });
    }

    private static EhrAuth auth(String name, EhrConfig.Ehr c, Clock clock, ObjectMapper json) {
        EhrConfig.Auth a = c.auth();
        String prefix = "e2guard.ehr." + name + ".auth.";
        return switch (a.type()) {
            case NONE -> EhrAuth.NONE;
            case BEARER -> EhrAuth.bearer(a.token().filter(t -> !t.isBlank())
                    .orElseThrow(() -> new IllegalStateException(prefix + "token is required for auth type bearer")));
            case SMART_BACKEND -> {
                String clientId = a.clientId().filter(s -> !s.isBlank())
                        .orElseThrow(() -> new IllegalStateException(prefix + "client-id is required for SMART Backend Services"));
                String pem = a.privateKey().filter(s -> !s.isBlank()).orElseGet(() -> a.privateKeyFile().map(p -> {
                    try {
                        return Files.readString(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(prefix + "private-key-file cannot be read", e);
                    }
                }).orElseThrow(() -> new IllegalStateException(prefix + "private-key or " + prefix
                        + "private-key-file is required for SMART Backend Services")));
                try {
                    yield new SmartBackendAuth(c.baseUrl(), clientId, a.scope(), a.keyId().orElse(null), a.algorithm(), pem,
                            a.tokenEndpoint().orElse(null), a.expiryMargin(), c.readTimeout(), clock, json);
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(prefix + "private-key / algorithm: " + e.getMessage());
                }
            }
        };
    }

    public Collection<Ehr> all() {
        return ehrs.values();
    }

    public Optional<Ehr> find(String name) {
        return Optional.ofNullable(name == null ? null : ehrs.get(name));
    }

    /** The EHR named, or the only one when no name is given; empty when that is ambiguous or unknown. */
    public Optional<Ehr> resolve(String name) {
        if (name == null || name.isBlank()) {
            return ehrs.size() == 1 ? Optional.of(ehrs.values().iterator().next()) : Optional.empty();
        }
        return find(name);
    }

    public boolean isEmpty() {
        return ehrs.isEmpty();
    }
}
