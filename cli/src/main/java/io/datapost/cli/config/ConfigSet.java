package io.datapost.cli.config;

import java.util.List;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;

/**
 * Everything read from a config directory: the records, or the problems that stop it from being applied.
 * A set with problems is never applied, not even in part.
 */
public record ConfigSet(List<EventType> eventTypes, List<Partner> partners, List<ConfigProblem> problems) {

    public ConfigSet {
        eventTypes = List.copyOf(eventTypes);
        partners = List.copyOf(partners);
        problems = List.copyOf(problems);
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    public int size() {
        return eventTypes.size() + partners.size();
    }
}
