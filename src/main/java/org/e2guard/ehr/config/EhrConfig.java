package org.e2guard.ehr.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/**
 * The EHRs e2guard connects to, each under its own name: {@code e2guard.ehr.<name>.base-url=...}.
 * The name appears in the notification URL ({@code /ehr-notifications/<name>}), in the database
 * and in the {@code ehr} parameter of {@code Patient/$evaluate}; keep it short and stable.
 */
@ConfigMapping(prefix = "e2guard.ehr")
public interface EhrConfig {

    /** The EHRs by name. None configured: the EHR integration stays idle. */
    @WithParentName
    Map<String, Ehr> ehrs();

    interface Ehr {
        /** The EHR's FHIR R4 base URL, e.g. {@code https://ehr.example.org/fhir}. */
        String baseUrl();

        /** How e2guard authenticates to the EHR. */
        Auth auth();

        /** Subscriptions: the EHR pushes changes to e2guard. */
        Push push();

        /** Catch-up sync: e2guard searches the EHR for what changed since the last sync point. */
        Sync sync();

        /** {@code _count} of every search e2guard sends; next links are followed until the end. */
        @WithDefault("100")
        int pageSize();

        /** Time to establish a connection to the EHR. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Time to wait for the EHR's answer to one request. */
        @WithDefault("30s")
        Duration readTimeout();
    }

    enum AuthType {
        /** No Authorization header (a test server, or a network-protected EHR). */
        NONE,
        /** A static bearer token ({@code auth.token}). */
        BEARER,
        /** SMART Backend Services: client_credentials with a private_key_jwt client assertion. */
        SMART_BACKEND
    }

    interface Auth {
        /** {@code none}, {@code bearer} or {@code smart-backend}. */
        @WithDefault("none")
        AuthType type();

        /** The bearer token for {@code type=bearer} (from a Secret). */
        Optional<String> token();

        /** SMART: the client id the EHR registered for e2guard (issuer and subject of the assertion). */
        Optional<String> clientId();

        /**
         * SMART: the PKCS#8 PEM private key ({@code -----BEGIN PRIVATE KEY-----}) that signs the
         * client assertion, inline (from a Secret). Either this or {@code private-key-file}.
         */
        Optional<String> privateKey();

        /** SMART: a file holding the PKCS#8 PEM private key. */
        Optional<Path> privateKeyFile();

        /** SMART: the {@code kid} of the key as registered with the EHR (JWKS). */
        Optional<String> keyId();

        /** SMART: the signing algorithm, {@code RS384} (RSA key) or {@code ES384} (EC P-384 key). */
        @WithDefault("RS384")
        String algorithm();

        /** SMART: the scopes requested; e2guard reads clinical data and writes its findings. */
        @WithDefault("system/Patient.read system/Observation.read system/MedicationStatement.read "
                + "system/MedicationRequest.read system/MedicationAdministration.read system/Medication.read "
                + "system/Condition.read system/DiagnosticReport.read system/Procedure.read system/Subscription.read system/Subscription.write "
                + "system/DetectedIssue.read system/DetectedIssue.write system/Flag.read system/Flag.write "
                + "system/Device.read system/Device.write system/Provenance.write")
        String scope();

        /**
         * SMART: the token endpoint. Default: discovered from
         * {@code <base-url>/.well-known/smart-configuration}.
         */
        Optional<String> tokenEndpoint();

        /** SMART: a token is replaced this long before it expires. */
        @WithDefault("60s")
        Duration expiryMargin();
    }

    interface Push {
        /**
         * Keep e2guard's Subscriptions on the EHR and accept its notifications. Off for an EHR that
         * cannot push: the catch-up sync, run more often, is then the whole mechanism.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * The shared secret the EHR sends in the notification header
         * ({@code e2guard.subscription.secret-header}); required when push is enabled.
         */
        Optional<String> secret();
    }

    interface Sync {
        /**
         * How often the catch-up sync runs. Default: 10 minutes with push (a safety net, since
         * servers lose notifications), 1 minute without.
         */
        Optional<Duration> interval();

        /** How far back the very first sync of an EHR looks. */
        @WithDefault("1h")
        Duration initialLookback();

        /**
         * Each sync re-reads this much before its sync point, for resources committed late with an
         * earlier lastUpdated; re-reading is harmless (unchanged findings are not written).
         */
        @WithDefault("2m")
        Duration overlap();
    }
}
