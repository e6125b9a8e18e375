package org.e2guard.operations;

import org.e2guard.evaluation.EvaluationService;
import org.e2guard.mapping.output.EvaluationBundle;
import org.e2guard.mapping.output.FindingResources;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one answer builder of the FHIR operations: findings as this version of e2guard, under the deployment's rule modes. */
@ApplicationScoped
class OperationOutput {
    @Produces
    @Singleton
    EvaluationBundle evaluationBundle(@ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version,
                                      EvaluationService evaluation) {
        return new EvaluationBundle(new FindingResources(version, evaluation.modes()));
    }
}
