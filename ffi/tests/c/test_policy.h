/*
 * The standard test device, one definition for every C test: a component
 * slot on HW-FC-0042 (platform PLAT-A, market EU), counter floor 5,
 * Staging or better, no trusted clock. It is the policy.txt of most
 * tests/data cases and drive::Policy::standard() of the Rust tests.
 *
 * Calls no library function, so the freestanding test (no C library)
 * uses it too.
 */
#ifndef MODELSEAL_TEST_POLICY_H
#define MODELSEAL_TEST_POLICY_H

#include "modelseal.h"

/* Fields not named are 0 or NULL: no serial, no ECU name, no installed
 * digest, no configuration binding. */
static inline modelseal_policy standard_policy(void) {
    static const char hw[] = "HW-FC-0042", plat[] = "PLAT-A", market[] = "EU";
    modelseal_policy p = {
        .kind = MODELSEAL_KIND_COMPONENT,
        .min_stage = MODELSEAL_STAGE_STAGING,
        .expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK,
        .hardware_id = hw,
        .hardware_id_len = sizeof hw - 1,
        .platform = plat,
        .platform_len = sizeof plat - 1,
        .market = market,
        .market_len = sizeof market - 1,
        .component_floor = 5,
    };
    return p;
}

#endif
