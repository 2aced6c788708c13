// cardex: one executable, several subcommands (reindex, search, serve, ...).
// mimalloc is linked into this executable only, never into the libraries.
#include <mimalloc.h>

#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
    (void)mi_version();  // keep the mimalloc override linked in
    CLI::App app{"cardex: search for machine-learning model, dataset and Space cards"};
    app.require_subcommand(1);
    int rc = cardex::app::kExitOk;
    cardex::app::add_reindex(app, rc);
    cardex::app::add_search(app, rc);
    cardex::app::add_serve(app, rc);
    cardex::app::add_gen(app, rc);
    cardex::app::add_eval(app, rc);
    cardex::app::add_ingest(app, rc);
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
