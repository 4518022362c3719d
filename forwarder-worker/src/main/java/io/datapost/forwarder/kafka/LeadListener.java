package io.datapost.forwarder.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.listener.MessageListener;

import io.datapost.forwarder.config.EventTypeCatalog;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;

/**
 * One lead at a time per partition: resolve its event type as configured now, deliver it, return once the final
 * response is acknowledged (the container then commits the offset). Anything thrown goes to the error handler,
 * which dead-letters what cannot succeed.
 */
public class LeadListener implements MessageListener<String, LeadSubmitted> {

    private final EventTypeCatalog eventTypes;
    private final LeadForwarder forwarder;

    public LeadListener(EventTypeCatalog eventTypes, LeadForwarder forwarder) {
        this.eventTypes = eventTypes;
        this.forwarder = forwarder;
    }

    @Override
    public void onMessage(ConsumerRecord<String, LeadSubmitted> record) {
        LeadSubmitted lead = record.value();
        if (lead == null) {
            throw new InvalidLeadException("Leads record without a value at " + record.topic() + "-"
                    + record.partition() + "@" + record.offset());
        }
        EventType eventType = eventTypes.require(lead.getEventTypeId());
        forwarder.forward(lead, eventType);
    }
}
