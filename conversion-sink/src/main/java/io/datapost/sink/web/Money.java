package io.datapost.sink.web;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Amounts travel as decimal strings with 4 places ("4.0000"), so no client parses money as a float. */
final class Money {

    private Money() {
    }

    static String format(BigDecimal amount) {
        return amount == null ? null : amount.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }
}
