package org.e2guard.cds.service;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue;

/**
 * The parse rules of FHIR resources inside a CDS Hooks request, the same as for $evaluate
 * bodies: a wrong value or JSON type is an error (400); unknown elements are tolerated. Nothing
 * is logged (messages may quote the value).
 */
final class FhirValueErrors implements IParserErrorHandler {
    final List<String> errors = new ArrayList<>();

    private void error(IParseLocation location, String message) {
        if (errors.size() < 20) {
            errors.add(location == null ? message : message + " (at " + location + ")");
        }
    }

    @Override
    public void containedResourceWithNoId(IParseLocation location) {
        error(location, "contained resource without an id");
    }

    @Override
    public void incorrectJsonType(IParseLocation location, String elementName, BaseJsonLikeValue.ValueType expected,
                                  BaseJsonLikeValue.ScalarType expectedScalar, BaseJsonLikeValue.ValueType found,
                                  BaseJsonLikeValue.ScalarType foundScalar) {
        error(location, "element '" + elementName + "' has the wrong JSON type (expected " + expected + ", found " + found + ")");
    }

    @Override
    public void invalidValue(IParseLocation location, String value, String error) {
        error(location, "invalid value: " + error);
    }

    @Override
    public void missingRequiredElement(IParseLocation location, String elementName) {
    }

    @Override
    public void invalidInternalReference(IParseLocation location, String reference) {
    }

    @Override
    public void unexpectedRepeatingElement(IParseLocation location, String elementName) {
        error(location, "element '" + elementName + "' must not repeat");
    }

    @Override
    public void unknownAttribute(IParseLocation location, String attributeName) {
    }

    @Override
    public void unknownElement(IParseLocation location, String elementName) {
    }

    @Override
    public void unknownReference(IParseLocation location, String reference) {
    }

    @Override
    public void extensionContainsValueAndNestedExtensions(IParseLocation location) {
        error(location, "extension has both a value and nested extensions");
    }
}
