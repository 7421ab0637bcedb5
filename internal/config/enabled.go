package config

// EnabledSources returns the sources that are not disabled, in config order.
func (c *Config) EnabledSources() []Source {
	out := make([]Source, 0, len(c.Sources))
	for _, s := range c.Sources {
		if !s.Disabled {
			out = append(out, s)
		}
	}
	return out
}
