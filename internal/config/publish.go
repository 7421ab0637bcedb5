package config

import (
	"fmt"
	"time"
)

// WebSub configures push: the hub newswire advertises and pings when its
// feeds change, and subscribing to the hubs that sources advertise.
type WebSub struct {
	Hub       string   `yaml:"hub"`       // hub URL advertised as rel="hub" and pinged; "" = none
	Subscribe bool     `yaml:"subscribe"` // subscribe to sources whose feeds name a hub
	Lease     Duration `yaml:"lease"`     // lease asked of source hubs; renewed before it ends
	Secret    string   `yaml:"secret"`    // HMAC secret given to source hubs (X-Hub-Signature)
}

// Partner is an outlet allowed to read partners-only categories.
type Partner struct {
	Name  string `yaml:"name"`
	Token string `yaml:"token"` // sent as "Authorization: Bearer TOKEN" or ?token=TOKEN
}

// RateLimit limits feed requests per client (a partner by token, anyone else
// by IP address).
type RateLimit struct {
	PerClient int `yaml:"per_client"` // requests per second; 0 = no limit
	Burst     int `yaml:"burst"`      // requests allowed at once above the rate
}

const (
	defaultCacheMaxAge = time.Minute
	defaultWebSubLease = 24 * time.Hour
	minPartnerToken    = 16
	minWebSubSecret    = 16
	maxWebSubSecret    = 200
)

// PartnersOnly reports whether category id is reserved to partners.
func (c *Config) PartnersOnly(id string) bool {
	cat, ok := c.Category(id)
	return ok && cat.PartnersOnly
}

// applyPublishDefaults fills the republishing keys the file leaves out.
func applyPublishDefaults(c *Config, d *decoder) {
	if !d.set["cache_max_age"] || d.isBad("cache_max_age") {
		c.CacheMaxAge = Duration(defaultCacheMaxAge)
	}
	if !d.set["websub.lease"] || d.isBad("websub.lease") {
		c.WebSub.Lease = Duration(defaultWebSubLease)
	}
	if d.set["rate_limit.per_client"] && !d.set["rate_limit.burst"] {
		c.RateLimit.Burst = c.RateLimit.PerClient
	}
}

// validatePublish checks the republishing keys.
func validatePublish(c *Config, d *decoder) {
	if c.CacheMaxAge < 0 {
		d.problemAt("cache_max_age", "must not be negative, got %s", c.CacheMaxAge)
	}
	if c.WebSub.Hub != "" {
		if _, ok := httpURL(c.WebSub.Hub); !ok {
			d.problemAt("websub.hub", "not an absolute http(s) URL: %q", c.WebSub.Hub)
		}
	}
	if c.WebSub.Lease < Duration(time.Minute) {
		d.problemAt("websub.lease", "must be at least 1m, got %s", c.WebSub.Lease)
	}
	if c.WebSub.Subscribe && len(c.WebSub.Secret) < minWebSubSecret {
		d.problemAt("websub.secret", "subscribing needs a secret of at least %d characters to check what hubs push", minWebSubSecret)
	}
	if len(c.WebSub.Secret) >= maxWebSubSecret {
		d.problemAt("websub.secret", "must be under %d bytes, got %d: hubs refuse a longer hub.secret (WebSub 5.1)", maxWebSubSecret, len(c.WebSub.Secret))
	}
	if c.AdminToken != "" && len(c.AdminToken) < minPartnerToken {
		d.problemAt("admin_token", "must be at least %d characters, got %d", minPartnerToken, len(c.AdminToken))
	}
	names, tokens := map[string]bool{}, map[string]bool{}
	for i, p := range c.Partners {
		path := fmt.Sprintf("partners[%d]", i)
		switch {
		case p.Name == "":
			d.problemAt(path+".name", "required")
		case names[p.Name]:
			d.problemAt(path+".name", "duplicate partner %q", p.Name)
		}
		names[p.Name] = true
		switch {
		case len(p.Token) < minPartnerToken:
			d.problemAt(path+".token", "must be at least %d characters, got %d", minPartnerToken, len(p.Token))
		case tokens[p.Token]:
			d.problemAt(path+".token", "the same token as another partner")
		}
		tokens[p.Token] = true
	}
	for i, cat := range c.Categories {
		if cat.PartnersOnly && len(c.Partners) == 0 {
			d.problemAt(fmt.Sprintf("categories[%d].partners_only", i), "no partners are listed to read it")
		}
	}
	if c.RateLimit.PerClient < 0 {
		d.problemAt("rate_limit.per_client", "must not be negative, got %d", c.RateLimit.PerClient)
	}
	if c.RateLimit.PerClient > 0 && c.RateLimit.Burst < 1 {
		d.problemAt("rate_limit.burst", "must be at least 1, got %d", c.RateLimit.Burst)
	}
}
