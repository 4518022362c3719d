package io.datapost.schemas.kafka;

/**
 * Header names on {@link Topics#DEAD_LETTERS} records. Spring Kafka's DeadLetterPublishingRecoverer
 * writes its own {@code kafka_dlt-*} headers too; these are the ones every datapost service sets.
 */
public final class DeadLetters {
    public static final String ORIGINAL_TOPIC = "datapost-original-topic";
    public static final String ORIGINAL_PARTITION = "datapost-original-partition";
    public static final String ORIGINAL_OFFSET = "datapost-original-offset";
    public static final String SERVICE = "datapost-service";
    public static final String CAUSE_CLASS = "datapost-cause-class";
    public static final String CAUSE_MESSAGE = "datapost-cause-message";

    private DeadLetters() {
    }
}
