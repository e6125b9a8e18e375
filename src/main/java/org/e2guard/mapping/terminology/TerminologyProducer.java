package org.e2guard.mapping.terminology;

import ca.uhn.fhir.context.FhirContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The code lists the rules read: the published value sets plus a deployment's, loaded once at start-up. */
@ApplicationScoped
class TerminologyProducer {
    @Produces
    @Singleton
    Terminology terminology(FhirContext ctx, TerminologyConfig config) {
        return new Terminology(new CodeLists(ValueSetLoader.load(ctx.newJsonParser(), config.extraValueSets().orElse(null))));
    }
}
