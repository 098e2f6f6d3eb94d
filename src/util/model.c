/*
 * The model's identity. A run's results depend on every line of src/ and
 * include/, and on nothing else we ship, so their hash names the model: the
 * Makefile computes it into build/gen/model_id.h whenever a source changes.
 *
 * A sweep writes it into each point's point.txt and keeps a run only while
 * it is the same, so a numasched rebuilt with a changed model reruns the
 * runs an older model made instead of writing tables from them. A hash of
 * the sources, not of the executable: the optimised, sanitized and MPI
 * builds of one tree compute the same results, and must share their runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "model_id.h"
#include "numasched/util.h"

const char *ns_model_id(void)
{
    return NS_MODEL_ID;
}
