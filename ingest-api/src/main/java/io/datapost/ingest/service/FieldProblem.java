package io.datapost.ingest.service;

/** One failing field of a lead, as listed in a 422 answer. Never carries the field's value. */
public record FieldProblem(String field, String message) {
}
