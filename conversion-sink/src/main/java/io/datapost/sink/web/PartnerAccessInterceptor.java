package io.datapost.sink.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The one access check of the partner reports ({@link PartnerReportsController}): the partner itself or the
 * operator, checked before the query parameters are bound, so a stranger gets 401 whatever the parameters, not a
 * 400 that tells what the report takes.
 */
@Configuration(proxyBeanMethods = false)
class PartnerAccessInterceptor implements HandlerInterceptor, WebMvcConfigurer {

    private final Callers callers;

    PartnerAccessInterceptor(Callers callers) {
        this.callers = callers;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/v1/partners/{partnerId}/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        @SuppressWarnings("unchecked")
        Map<String, String> variables = (Map<String, String>) request
                .getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
        String partnerId = variables == null ? null : variables.get("partnerId");
        if (partnerId != null) {
            callers.requireAccessTo(partnerId, request.getHeader(HttpHeaders.AUTHORIZATION));
        }
        return true;
    }
}
