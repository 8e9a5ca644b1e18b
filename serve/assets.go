package serve

import "embed"

// assetFS holds the built pages. Rebuild them with `npm ci && npm run build`
// in web/; the build writes assets/ and the result is committed.
//
//go:embed assets
var assetFS embed.FS
