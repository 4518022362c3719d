package io.datapost.ingest.server;

import org.apache.catalina.Container;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Keeps what partners send out of Tomcat's own log lines, and puts {@link ProblemErrorReportValve} in place of Tomcat's HTML ErrorReportValve on the host, so errors Tomcat
 * answers before Spring MVC sees the request are problem+json too. The context customizer runs after the context
 * was added to the host and before the host starts; the host then finds a valve of the configured class and adds
 * no HTML one.
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
