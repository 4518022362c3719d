package io.datapost.ingest.server;

import org.apache.catalina.Container;
import org.apache.catalina.core.StandardHost;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps what partners send out of Tomcat's own log lines, answers {@code Expect: 100-continue} only when the body
 * is read, and puts {@link ProblemErrorReportValve} in place of Tomcat's HTML ErrorReportValve on the host, so
 * errors Tomcat answers before Spring MVC sees the request are problem+json too. The context customizer runs after
 * the context was added to the host and before the host starts; the host then finds a valve of the configured class
 * and adds no HTML one.
 */
@Configuration(proxyBeanMethods = false)
public class EdgeServerConfiguration {

    /** Tomcat's switch for its log lines about unparseable requests; see {@link #quietRequestParseErrors()}. */
    static final String TOMCAT_USER_DATA_LOGGING = "org.apache.juli.logging.UserDataHelper.CONFIG";

    /**
     * Tomcat logs the first unparseable request of each connection processor at INFO, quoting the request line:
     * "Invalid character found in the request target [/v1/leads/x?email=...]", i.e. a partner's lead data in our
     * log. The partner already gets a 400 problem+json; the line is turned off (Tomcat's {@code NONE}) unless the
     * operator set the property. It is read when a connection processor is created, so it is set before the
     * server starts.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> quietRequestParseErrors() {
        return factory -> {
            if (System.getProperty(TOMCAT_USER_DATA_LOGGING) == null) {
                System.setProperty(TOMCAT_USER_DATA_LOGGING, "NONE");
            }
        };
    }

    /**
     * {@code Expect: 100-continue} is answered with 100 only when the app reads the body (Tomcat's default sends it
     * at once): a post refused before its body is read (401, 403, 404, 413, 415, 429) gets its final answer without
     * a 100 first, and its body is never sent.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> continueOnlyWhenTheBodyIsRead() {
        return factory -> factory.addConnectorCustomizers(connector -> {
            if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http11) {
                http11.setContinueResponseTiming("onRead");
            }
        });
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            Container parent = context.getParent();
            if (!(parent instanceof StandardHost host)) {
                throw new IllegalStateException("Expected the Tomcat context inside a StandardHost, found " + parent);
            }
            host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            host.getPipeline().addValve(new ProblemErrorReportValve());
        });
    }
}
