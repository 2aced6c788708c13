// cardex: one executable, several subcommands (reindex, search, serve, ...).
// mimalloc is linked into this executable only, never into the libraries (and not into the
// ThreadSanitizer build, whose runtime must own malloc: CARDEX_NO_MIMALLOC).
#ifndef CARDEX_NO_MIMALLOC
#include <mimalloc.h>
#endif

#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
#ifndef CARDEX_NO_MIMALLOC
    (void)mi_version();  // keep the mimalloc override linked in
#endif
    CLI::App app{"cardex: search for machine-learning model, dataset and Space cards"};
    app.require_subcommand(1);
    int rc = cardex::app::kExitOk;
    cardex::app::add_reindex(app, rc);
    cardex::app::add_search(app, rc);
    cardex::app::add_serve(app, rc);
    cardex::app::add_gen(app, rc);
    cardex::app::add_eval(app, rc);
    cardex::app::add_ingest(app, rc);
    cardex::app::add_harvest(app, rc);
    cardex::app::add_follow(app, rc);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : cardex::app::kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "cardex: " << e.what() << "\n";
        return cardex::app::kExitFailure;
    }
    return rc;
}
