package io.datapost.e2e;

import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Tag;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** The pipeline scenario on an embedded KRaft broker and an embedded PostgreSQL: runs everywhere, no Docker. */
@Tag("integration")
class EndToEndTest extends PipelineScenario {

    private EmbeddedKafkaKraftBroker kafka;
    private EmbeddedPostgres postgres;

    @Override
    String startKafka() {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        return kafka.getBrokersAsString();
    }

    @Override
    void startDatabase() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @Override
    String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Override
    String jdbcUser() {
        return "postgres";
    }

    @Override
    String jdbcPassword() {
        return "postgres";
    }

    @Override
    DataSource database() throws SQLException {
        return postgres.getPostgresDatabase();
    }

    @Override
    void stopInfrastructure() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }
}
