package org.e2guard.fhir;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.fhir.parser.IParserErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue;

/**
 * The parse rules for every FHIR resource a client sends ($evaluate bodies, resources inside CDS
 * Hooks requests): a wrong value or JSON type is an error (400); unknown elements, attributes and
 * references are let through. Nothing is logged, since messages may quote the value.
 */
public final class FhirParseErrors implements IParserErrorHandler {
    private final List<String> errors = new ArrayList<>();
    private String firstLocation;

    /** The errors collected (at most 20), each with its location. */
    public List<String> errors() {
        return errors;
    }

    /** Where the first error is, or null. */
    public String firstLocation() {
        return firstLocation;
    }


    private void error(IParseLocation location, String message) {
        if (errors.size() < 20) {
            String where = location == null ? null : location.toString();
            errors.add(where == null ? message : message + " (at " + where + ")");
            if (firstLocation == null) {
                firstLocation = where;
            }
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

    /** Tolerated: the mapping reports a resource that lacks what the rules need. */
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
