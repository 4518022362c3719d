package io.datapost.validator.config;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of rule evaluation, under {@code datapost.validator.rules}.
 *
 * @param misconfigurationWindow this many ERROR answers in a row, because nothing matched or parsed, flag an event
 *                               type as likely misconfigured (an event type's {@code rule.misconfigurationWindow}
 *                               overrides it)
 */
@Validated
@ConfigurationProperties(prefix = "datapost.validator.rules")
public record RulesProperties(@DefaultValue("20") @Min(1) int misconfigurationWindow) {
}
