package httpapi

// hookRoutes are the incoming webhooks bots and other tools post to (/hooks/{token}).
func (s *Server) hookRoutes() []route {
	return nil
}
