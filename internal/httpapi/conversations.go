package httpapi

// conversationRoutes are the conversations of agents and people: /api/v1/conversations… and /api/v1/public/conversations….
func (s *Server) conversationRoutes() []route {
	return nil
}
