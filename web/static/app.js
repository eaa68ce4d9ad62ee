// citdesk's small script: pages work without it; it adds live updates.
"use strict";
