package org.e2guard.cds.service;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.e2guard.cds.api.Card;
import org.e2guard.cds.config.CdsConfig;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Recently issued cards, by uuid, with the rules each stands for: feedback names only the card,
 * and this lets it be stored with the rules it is about. Bounded in size and age and held in
 * memory only (no patient data: service, rule codes); feedback for a card no longer remembered
 * (restart, another replica, older than the window) is still stored, without rules.
 */
@ApplicationScoped
public class IssuedCards {

    /** What is remembered of a card. */
    public record Memo(String serviceId, String rules) {
    }

    private final Cache<String, Memo> cards;

    public IssuedCards(CdsConfig config) {
        this.cards = Caffeine.newBuilder()
                .maximumSize(config.feedback().rememberedCards())
                .expireAfterWrite(config.feedback().rememberCardsFor())
                .build();
    }

    public void remember(String serviceId, List<Card> issued) {
        for (Card c : issued) {
            cards.put(c.uuid(), new Memo(serviceId, rules(c)));
        }
    }

    public Optional<Memo> recall(String cardUuid) {
        return Optional.ofNullable(cards.getIfPresent(cardUuid));
    }

    @SuppressWarnings("unchecked")
    private static String rules(Card c) {
        Object findings = c.extension() == null ? null : c.extension().get(CardFactory.EXT_FINDINGS);
        if (!(findings instanceof List<?> list)) {
            return "";
        }
        return list.stream().map(f -> ((Map<String, String>) f).get("rule")).distinct().collect(Collectors.joining(","));
    }
}
