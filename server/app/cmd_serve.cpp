// `cardex serve --index DIR [--listen HOST:PORT] [--threads N]`: the HTTP server.
#include <iostream>

#include "cardex/server/server.h"
#include "commands.h"

namespace cardex::app {

void add_serve(CLI::App& app, int& rc) {
    auto opts = std::make_shared<server::ServeOptions>();
    auto* cmd = app.add_subcommand("serve", "Serve the HTTP API and the search page");
    cmd->add_option("--index", opts->index_dir, "Index directory")->required();
    cmd->add_option("--listen", opts->listen, "HOST:PORT (port 0: any free port)");
    cmd->add_option("--threads", opts->threads, "Worker threads")->check(CLI::Range(1, 256));
    cmd->callback([opts, &rc]() { rc = server::serve(*opts, std::cerr); });
}

}  // namespace cardex::app
