package org.e2guard.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import jakarta.ws.rs.Path;

/**
 * The package layout follows the data (README, "Code layout"): each top-level package of
 * {@code org.e2guard} is one stage or one door, and dependencies point one way, doors to services
 * to mapping to the engine and its timeline.
 */
@AnalyzeClasses(packages = "org.e2guard", importOptions = ImportOption.DoNotIncludeTests.class)
class LayoutTest {

    @ArchTest
    static final ArchRule noCyclesBetweenTopLevelPackages = slices().matching("org.e2guard.(*)..")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule theEngineAndTimelineArePlainJava = noClasses()
            .that().resideInAnyPackage("org.e2guard.engine..", "org.e2guard.timeline..")
            .should().dependOnClassesThat().resideInAnyPackage("ca.uhn..", "org.hl7..", "io.quarkus..", "io.smallrye..",
                    "jakarta..", "javax..", "java.sql..", "org.eclipse.microprofile..", "io.vertx..", "com.fasterxml..",
                    "org.jboss..")
            .because("rules are a pure function of the timeline: no FHIR model, framework, HTTP or JDBC (RULES.md, one engine for every door)");

    @ArchTest
    static final ArchRule restResourcesAreOnlyInTheDoors = noClasses()
            .that().areAnnotatedWith(Path.class)
            .should().resideOutsideOfPackages("org.e2guard.operations..", "org.e2guard.cds..", "org.e2guard.notification..",
                    "org.e2guard.ops..", "org.e2guard.reports..")
            .because("HTTP enters through a door; services and mapping never answer a request themselves");

    @ArchTest
    static final ArchRule dependenciesPointOneWay = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Doors").definedBy("org.e2guard.operations..", "org.e2guard.cds..", "org.e2guard.notification..",
                    "org.e2guard.ops..", "org.e2guard.reports..")
            .layer("Services").definedBy("org.e2guard.evaluation..", "org.e2guard.validation..", "org.e2guard.subscription..",
                    "org.e2guard.writeback..", "org.e2guard.outbox..", "org.e2guard.ehr..", "org.e2guard.population..")
            .layer("Mapping").definedBy("org.e2guard.mapping..", "org.e2guard.conformance..")
            .layer("Engine").definedBy("org.e2guard.engine..", "org.e2guard.timeline..")
            .whereLayer("Doors").mayNotBeAccessedByAnyLayer()
            .whereLayer("Services").mayOnlyBeAccessedByLayers("Doors")
            .whereLayer("Mapping").mayOnlyBeAccessedByLayers("Doors", "Services")
            .whereLayer("Engine").mayOnlyBeAccessedByLayers("Doors", "Services", "Mapping");

    @ArchTest
    static final ArchRule sharedPlumbingDependsOnNoStage = noClasses()
            .that().resideInAnyPackage("org.e2guard.fhir..", "org.e2guard.platform..", "org.e2guard.security..")
            .should().dependOnClassesThat().resideInAnyPackage("org.e2guard.operations..", "org.e2guard.cds..",
                    "org.e2guard.notification..", "org.e2guard.ops..", "org.e2guard.evaluation..", "org.e2guard.validation..",
                    "org.e2guard.subscription..", "org.e2guard.writeback..", "org.e2guard.outbox..", "org.e2guard.ehr..",
                    "org.e2guard.population..", "org.e2guard.reports..", "org.e2guard.mapping..", "org.e2guard.conformance..",
                    "org.e2guard.engine..", "org.e2guard.timeline..")
            .because("FHIR plumbing, platform and API-key security serve every stage and so may know none of them");
}
