import { z } from "zod";

// Pages run under a Content-Security-Policy without 'unsafe-eval': zod must not
// compile parsers with Function(), nor even probe whether it may (the probe
// alone is a reported violation). Schemas probe as they are built, so every
// module that builds one in the browser imports zod from here.
z.config({ jitless: true });

export { z };
